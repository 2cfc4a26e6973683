/**
 * Reading a step-function timeline: a sample holds from its time until the next sample's.
 * Pure helpers for the invariant checker: episodes of one value, the value at an instant, and
 * the parts of an interval that fall outside a set of allowed intervals.
 */

export interface Timed {
  readonly t: number;
}

export interface Episode<T> {
  readonly start: number;
  readonly end: number;
  readonly value: T;
}

export type Interval = readonly [start: number, end: number];

/** Index of the last sample at or before `t`; -1 if `t` is before the first. */
function indexAt(samples: readonly Timed[], t: number): number {
  let lo = 0;
  let hi = samples.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if ((samples[mid] as Timed).t <= t) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/** The value in force at `t`, or undefined before the first sample. */
export function valueAt<S extends Timed, T>(samples: readonly S[], t: number, pick: (sample: S) => T): T | undefined {
  const i = indexAt(samples, t);
  return i < 0 ? undefined : pick(samples[i] as S);
}

/**
 * Maximal runs of one value within [from, to), clipped to it. Time before the first sample is
 * not covered (nothing was observed then).
 */
export function episodes<S extends Timed, T>(samples: readonly S[], from: number, to: number, pick: (sample: S) => T, same: (a: T, b: T) => boolean): Array<Episode<T>> {
  const out: Array<Episode<T>> = [];
  if (to <= from || samples.length === 0) return out;
  let i = Math.max(0, indexAt(samples, from));
  for (; i < samples.length; i++) {
    const sample = samples[i] as S;
    const start = Math.max(from, sample.t);
    const end = Math.min(to, (samples[i + 1]?.t ?? Number.POSITIVE_INFINITY));
    if (start >= to) break;
    if (end <= start) continue;
    const value = pick(sample);
    const last = out.at(-1);
    if (last !== undefined && last.end === start && same(last.value, value)) out[out.length - 1] = { start: last.start, end, value: last.value };
    else out.push({ start, end, value });
  }
  return out;
}

/** The pieces of [start, end) not covered by any of `allowed`. */
export function outside(interval: Interval, allowed: readonly Interval[]): Interval[] {
  let pieces: Interval[] = [interval];
  for (const [a, b] of allowed) {
    pieces = pieces.flatMap(([s, e]): Interval[] => {
      if (b <= s || a >= e) return [[s, e]];
      const keep: Interval[] = [];
      if (a > s) keep.push([s, a]);
      if (b < e) keep.push([b, e]);
      return keep;
    });
  }
  return pieces;
}

export const sameList = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);
