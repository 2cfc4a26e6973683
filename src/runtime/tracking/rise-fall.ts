/**
 * keepalived's rise/fall for a track script, as a pure counter: a healthy script becomes failed
 * after `fall` failures in a row, a failed one healthy after `rise` successes in a row; a
 * result that agrees with the current state resets the count.
 *
 * Every script starts failed, whatever its weight, and must earn `rise` successes first. A
 * check that has not run yet has proven nothing, and on a failover IP the costly mistake is a
 * node taking the address (or outranking the current master) on the strength of a check that
 * never ran: with weight 0 it would leave Fault, with weight > 0 it would get its bonus, and
 * with weight < 0 a freshly restarted node would skip its penalty and could preempt a healthy
 * master only to fall back a moment later. Starting failed only delays a node by
 * (rise - 1) × intervalMs plus one run; keepalived offers the same as `init_fail`. An operator
 * who prefers keepalived's default says so per script (`initiallyHealthy`): it then starts
 * healthy and needs `fall` failures to fail.
 */

export interface RiseFallState {
  readonly healthy: boolean;
  /** Results in a row that disagree with `healthy`. */
  readonly streak: number;
}

export const UNPROVEN: RiseFallState = { healthy: false, streak: 0 };
export const ASSUMED_HEALTHY: RiseFallState = { healthy: true, streak: 0 };

/** The verdict before the first run. */
export function initialVerdict(initiallyHealthy: boolean): RiseFallState {
  return initiallyHealthy ? ASSUMED_HEALTHY : UNPROVEN;
}

export interface RiseFallLimits {
  readonly rise: number;
  readonly fall: number;
}

export function countResult(state: RiseFallState, success: boolean, limits: RiseFallLimits): RiseFallState {
  if (success === state.healthy) return state.streak === 0 ? state : { healthy: state.healthy, streak: 0 };
  const streak = state.streak + 1;
  const needed = state.healthy ? limits.fall : limits.rise;
  return streak >= needed ? { healthy: success, streak: 0 } : { healthy: state.healthy, streak };
}
