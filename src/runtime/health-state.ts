/** What tracking tells an instance: faults hold it in Fault, the delta moves its priority. */
export interface HealthState {
  /** Stable names of the failing trackers that mean Fault (e.g. "track-script:web-health"). */
  readonly faults: readonly string[];
  /** Sum of the weights in force, added to the configured priority. */
  readonly priorityDelta: number;
}
