/**
 * What one `npm run bench` measures: the full plan, or --quick (fewer trials and sizes, the
 * whole run under two minutes). Arguments:
 *   --quick          the short plan
 *   --unit FILE      the unit file whose settings start ipfailoverd (default: the repository's)
 *   --only A,B       only these sections: takeover, loaded, scale, startup
 */

import type { Family, StopKind } from './takeover.js';
import { UNIT_FILE } from './unit-launch.js';

export const SECTIONS = ['takeover', 'loaded', 'scale', 'startup'] as const;
export type Section = (typeof SECTIONS)[number];

export interface Plan {
  readonly quick: boolean;
  readonly unitFile: string;
  readonly sections: ReadonlySet<Section>;
  readonly takeover: { readonly intervals: readonly number[]; readonly families: readonly Family[]; readonly kinds: readonly StopKind[]; readonly trials: number };
  /** SIGKILL, IPv4, idle then under stress-ng. */
  readonly loaded: { readonly intervalMs: number; readonly trials: number };
  readonly scale: { readonly sizes: readonly number[]; readonly intervals: readonly number[]; readonly windowMs: number };
  readonly startupTrials: number;
}

const BOTH_FAMILIES: readonly Family[] = ['IPv4', 'IPv6'];
const BOTH_KINDS: readonly StopKind[] = ['SIGKILL', 'graceful'];

export function parsePlan(argv: readonly string[]): Plan {
  let quick = false;
  let unitFile = UNIT_FILE;
  let sections = new Set<Section>(SECTIONS);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const value = (): string => {
      const next = argv[++i];
      if (next === undefined) throw new Error(`${arg} needs a value`);
      return next;
    };
    if (arg === '--quick') quick = true;
    else if (arg === '--unit') unitFile = value();
    else if (arg === '--only') {
      const names = value().split(',');
      const unknown = names.filter((name) => !(SECTIONS as readonly string[]).includes(name));
      if (unknown.length > 0) throw new Error(`--only: unknown section(s) ${unknown.join(', ')}; known: ${SECTIONS.join(', ')}`);
      sections = new Set(names as Section[]);
    } else throw new Error(`unknown argument ${arg} (known: --quick, --unit FILE, --only ${SECTIONS.join(',')})`);
  }
  const base = { unitFile, sections };
  return quick
    ? {
        ...base,
        quick,
        takeover: { intervals: [100], families: BOTH_FAMILIES, kinds: BOTH_KINDS, trials: 3 },
        loaded: { intervalMs: 100, trials: 3 },
        // The size the targets are about; the full plan shows the trend over 1, 10, 100, 255.
        scale: { sizes: [255], intervals: [100], windowMs: 3000 },
        startupTrials: 2,
      }
    : {
        ...base,
        quick,
        takeover: { intervals: [10, 100, 1000], families: BOTH_FAMILIES, kinds: BOTH_KINDS, trials: 10 },
        loaded: { intervalMs: 100, trials: 10 },
        scale: { sizes: [1, 10, 100, 255], intervals: [100, 1000], windowMs: 10_000 },
        startupTrials: 5,
      };
}
