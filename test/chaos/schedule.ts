/**
 * The seeded fault schedule: which fault comes next, on which member (by role, resolved when it
 * is injected), how long it lasts and how long the quiet time after it is. Pure and
 * deterministic: the same seed gives the same faults in the same order, so a failing soak can
 * be run again with the seed it printed. Kinds are drawn from a shuffled bag, so that every
 * kind comes up once in each round of ten faults even in a short run.
 */

import { seededRandom } from '../helpers/random.js';
import { FAMILIES, FAULT_KINDS, type Family, type FaultKind } from './model.js';

/** Whom a fault is aimed at: the current holder of a failover IP, a non-holder, or anyone. */
export type Target = { readonly role: 'master' | 'backup'; readonly family: Family } | { readonly role: 'any' };

export type ReloadChange = { readonly change: 'priority'; readonly family: Family; readonly priority: number } | { readonly change: 'peers' };

export interface PlannedFault {
  readonly kind: FaultKind;
  readonly target: Target;
  /** In [0, 1): picks one member among the candidates found when the fault is injected. */
  readonly pick: number;
  /** How long the fault lasts before the soak heals it (0: a one-off action). */
  readonly holdMs: number;
  readonly quietMs: number;
  readonly lossPercent?: number;
  readonly reload?: ReloadChange;
}

export interface ScheduleOptions {
  /** The shortest quiet time after a heal: the settle bound, the neighbour bound and a check. */
  readonly minQuietMs: number;
  /** The kinds to draw from (default: all). */
  readonly kinds?: readonly FaultKind[];
}

/** Priorities a reload may give: wide enough to move the master, never 255 (owner) nor 0. */
export const PRIORITY_RANGE = [50, 200] as const;

const HOLD_MS: Readonly<Record<FaultKind, readonly [number, number]>> = {
  sigkill: [500, 2000], // the restart delay (the unit says RestartSec=2s)
  sigterm: [500, 2000],
  partition: [2000, 4000],
  isolation: [2000, 4000],
  loss: [3000, 6000],
  'step-down': [1500, 3000],
  'recreate-interface': [200, 1500], // how long the interface is gone
  reload: [0, 0],
  'delete-vip': [0, 0],
  'add-copy': [0, 0],
};

const ROLE_TARGETED: ReadonlySet<FaultKind> = new Set(['sigkill', 'sigterm', 'partition', 'isolation', 'loss', 'recreate-interface']);

export class FaultPlanner {
  private readonly random: () => number;
  private bag: FaultKind[] = [];

  constructor(
    seed: number,
    private readonly options: ScheduleOptions,
  ) {
    this.random = seededRandom(seed);
  }

  next(): PlannedFault {
    if (this.bag.length === 0) this.bag = this.shuffled();
    const kind = this.bag.pop() as FaultKind;
    const family = this.family();
    const [lo, hi] = HOLD_MS[kind];
    const base = { kind, target: this.target(kind, family), pick: this.random(), holdMs: this.between(lo, hi), quietMs: this.options.minQuietMs + this.between(500, 2500) };
    if (kind === 'loss') return { ...base, lossPercent: this.between(30, 60) };
    if (kind === 'reload') {
      const reload: ReloadChange = this.random() < 0.6 ? { change: 'priority', family, priority: this.between(...PRIORITY_RANGE) } : { change: 'peers' };
      return { ...base, reload };
    }
    return base;
  }

  private target(kind: FaultKind, family: Family): Target {
    if (kind === 'delete-vip' || kind === 'step-down') return { role: 'master', family };
    if (kind === 'add-copy') return { role: 'backup', family };
    if (ROLE_TARGETED.has(kind) && this.random() < 0.6) return { role: 'master', family };
    return { role: 'any' };
  }

  private family(): Family {
    return FAMILIES[Math.floor(this.random() * FAMILIES.length)] as Family;
  }

  private between(lo: number, hi: number): number {
    return lo + Math.floor(this.random() * (hi - lo + 1));
  }

  private shuffled(): FaultKind[] {
    const kinds = [...(this.options.kinds ?? FAULT_KINDS)];
    for (let i = kinds.length - 1; i > 0; i--) {
      const j = Math.floor(this.random() * (i + 1));
      [kinds[i], kinds[j]] = [kinds[j] as FaultKind, kinds[i] as FaultKind];
    }
    return kinds;
  }
}

/** The member `pick` chooses among `candidates` (sorted first, so the choice is repeatable). */
export function pickMember(candidates: readonly number[], pick: number): number | undefined {
  const sorted = [...candidates].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(pick * sorted.length))];
}

/** `wanted`, moved up (wrapping within the range) until no other member has it: no ties. */
export function uniquePriority(wanted: number, others: readonly number[]): number {
  const [lo, hi] = PRIORITY_RANGE;
  let p = wanted;
  while (others.includes(p)) p = p >= hi ? lo : p + 1;
  return p;
}
