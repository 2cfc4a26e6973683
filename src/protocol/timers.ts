/**
 * RFC 9568 §6.1 timer formulas. Intervals travel in centiseconds (the wire unit, §5.2.7);
 * durations come out in milliseconds, fractional where the formula gives a fraction, so the
 * scheduler can be as precise as the clock it runs on.
 */

export const MIN_INTERVAL_CS = 1;
/** The Max Adver Interval field is 12 bits (§5.2.7). */
export const MAX_INTERVAL_CS = 0x0fff;

export const MS_PER_CS = 10;

/** Skew_Time = ((256 − Priority) × Active_Adver_Interval) / 256, in ms (§6.1). */
export function skewTimeMs(priority: number, activeAdverIntervalCs: number): number {
  return ((256 - priority) * activeAdverIntervalCs * MS_PER_CS) / 256;
}

/** Active_Down_Interval = 3 × Active_Adver_Interval + Skew_Time, in ms (§6.1). */
export function activeDownIntervalMs(priority: number, activeAdverIntervalCs: number): number {
  return 3 * activeAdverIntervalCs * MS_PER_CS + skewTimeMs(priority, activeAdverIntervalCs);
}

export function intervalMs(intervalCs: number): number {
  return intervalCs * MS_PER_CS;
}

/** Milliseconds from configuration → the centiseconds the wire carries, clamped to the field. */
export function msToIntervalCs(ms: number): number {
  return Math.min(MAX_INTERVAL_CS, Math.max(MIN_INTERVAL_CS, Math.round(ms / MS_PER_CS)));
}
