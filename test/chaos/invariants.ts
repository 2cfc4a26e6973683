/**
 * The chaos soak's verdict: every invariant checked over a recorded timeline, violations in
 * time order, and the figures the report prints. Pure: fed by the soak, or by the unit tests
 * with synthetic timelines.
 */

import { checkExits } from './exit-checks.js';
import { checkHolders, type Longest } from './holder-checks.js';
import type { Bounds, SoakRecord, Violation } from './model.js';
import { checkQuietTimes } from './settle-checks.js';

export interface Verdict {
  readonly violations: readonly Violation[];
  readonly longestNoHolder: Longest;
  readonly longestDual: Longest;
  readonly longestDualOutsideSplit: Longest;
  /** The slowest heal → single holder seen. */
  readonly slowestSettleMs: number;
}

export function checkSoak(record: SoakRecord, bounds: Bounds): Verdict {
  const quiet = checkQuietTimes(record, bounds);
  const holders = checkHolders(record, bounds);
  const violations = [...quiet.violations, ...holders.violations, ...checkExits(record, bounds)].sort((a, b) => a.t - b.t);
  return {
    violations,
    longestNoHolder: holders.longestNoHolder,
    longestDual: holders.longestDual,
    longestDualOutsideSplit: holders.longestDualOutsideSplit,
    slowestSettleMs: Math.max(0, ...quiet.settleMs),
  };
}
