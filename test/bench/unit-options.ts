/**
 * The node options and nice level the shipped unit gives the daemon, read from
 * systemd/ipfailoverd.service ("measure what ships"): Environment=NODE_OPTIONS=... and Nice=.
 * Only what the memory and flood benchmarks need; a value given on the command line replaces
 * the unit's, to measure a proposed change before it is made.
 */

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** From dist/test/bench/: the repository root is three levels up. */
export const UNIT_FILE = fileURLToPath(new URL('../../../systemd/ipfailoverd.service', import.meta.url));

export interface UnitLaunch {
  /** NODE_OPTIONS as the unit sets it ('' when it sets none). */
  readonly nodeOptions: string;
  /** Nice= (0 when unset). */
  readonly nice: number;
}

/** The last assignment wins, as in systemd; comments and other sections are ignored. */
export function readUnitLaunch(text = readFileSync(UNIT_FILE, 'utf8')): UnitLaunch {
  let nodeOptions = '';
  let nice = 0;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const env = /^Environment=(?:"?)NODE_OPTIONS=(.*?)"?$/.exec(line);
    if (env !== null) nodeOptions = (env[1] as string).trim();
    const niceMatch = /^Nice=(-?\d+)$/.exec(line);
    if (niceMatch !== null) nice = Number(niceMatch[1]);
  }
  return { nodeOptions, nice };
}

/** The nodeOptions with one flag left out (to measure the unit without --jitless, say). */
export function without(nodeOptions: string, flag: string): string {
  return nodeOptions.split(/\s+/).filter((option) => option !== '' && option !== flag).join(' ');
}
