/**
 * Holder episodes over the whole soak, from the end of start-up to the final stop, per failover
 * IP: a time with no holder longer than the settle bound (`no-holder`, faults included: with
 * three members a backup must always take over within Active_Down_Interval), and two or more
 * holders for longer than a make-before-break handover outside a split window and its settle
 * bound (`dual-holder`).
 */

import { FAMILIES, SPLIT_KINDS, type Bounds, type Family, type FaultWindow, type SoakRecord, type Violation } from './model.js';
import { episodes, outside, sameList, type Interval } from './timeline.js';

export interface Longest {
  readonly ms: number;
  readonly t: number;
  readonly family?: Family;
}

export interface HolderResult {
  readonly violations: Violation[];
  readonly longestNoHolder: Longest;
  readonly longestDual: Longest;
  readonly longestDualOutsideSplit: Longest;
}

export function windowAt(windows: readonly FaultWindow[], t: number): FaultWindow | undefined {
  let found: FaultWindow | undefined;
  for (const w of windows) if (w.start <= t && (found === undefined || w.start >= found.start)) found = w;
  return found;
}

/** One dual-holder episode even if a third member joins in or leaves. */
const sameOrBothDual = (a: readonly number[], b: readonly number[]): boolean => sameList(a, b) || (a.length > 1 && b.length > 1);

const longer = (a: Longest, ms: number, t: number, family: Family): Longest => (ms > a.ms ? { ms, t, family } : a);

export function checkHolders(record: SoakRecord, bounds: Bounds): HolderResult {
  const violations: Violation[] = [];
  const startup = record.windows.find((w) => w.kind === 'startup');
  const from = startup?.heal ?? 0;
  const allowed: Interval[] = [
    ...record.windows.filter((w) => SPLIT_KINDS.has(w.kind)).map((w): Interval => [w.start, w.heal + bounds.settleMs]),
    // A killed member holds the IP until the unit's cleanup has run; then the handover bound.
    ...record.windows.filter((w) => w.cleanedAt !== undefined).map((w): Interval => [w.start, (w.cleanedAt ?? w.start) + bounds.handoverMs]),
  ];
  let longestNoHolder: Longest = { ms: 0, t: 0 };
  let longestDual: Longest = { ms: 0, t: 0 };
  let longestDualOutsideSplit: Longest = { ms: 0, t: 0 };
  const at = (t: number) => {
    const w = windowAt(record.windows, t);
    return w === undefined ? {} : { window: { id: w.id, kind: w.kind, member: w.member } };
  };
  for (const family of FAMILIES) {
    for (const run of episodes(record.samples, from, record.stopAt, (s) => s.holders[family], sameOrBothDual)) {
      const ms = run.end - run.start;
      if (run.value.length === 0) {
        longestNoHolder = longer(longestNoHolder, ms, run.start, family);
        if (ms > bounds.settleMs) violations.push({ invariant: 'no-holder', t: run.start, family, ...at(run.start), detail: `nobody held the ${family} failover IP for ${ms} ms (${run.start}–${run.end} ms; bound ${bounds.settleMs} ms)` });
      } else if (run.value.length > 1) {
        longestDual = longer(longestDual, ms, run.start, family);
        for (const [s, e] of outside([run.start, run.end], allowed)) {
          longestDualOutsideSplit = longer(longestDualOutsideSplit, e - s, s, family);
          if (e - s > bounds.handoverMs) {
            violations.push({ invariant: 'dual-holder', t: s, family, ...at(s), detail: `members [${run.value.join(',')}] all held the ${family} failover IP for ${e - s} ms outside a split window (${s}–${e} ms; handover bound ${bounds.handoverMs} ms)` });
          }
        }
      }
    }
  }
  return { violations, longestNoHolder, longestDual, longestDualOutsideSplit };
}
