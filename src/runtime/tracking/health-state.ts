/**
 * What the trackers of one instance add up to, as keepalived counts it: a list of fault
 * sources (any one keeps the instance in Fault) and a change of priority. Pure.
 *
 * Weights:
 * - interface: 0 = Fault while down; otherwise added while down (a negative weight lowers).
 * - script: 0 = Fault while failed; > 0 added while healthy; < 0 added while failed.
 * - file: the file's integer × weight is added; with weight 0, any value but 0 is a Fault.
 *   A file that cannot be read or holds no integer is a Fault with weight 0 and adds nothing
 *   otherwise (the file tracker warns about it).
 */

export type TrackerStatus =
  | { readonly kind: 'interface'; readonly name: string; readonly weight: number; readonly up: boolean }
  | { readonly kind: 'script'; readonly name: string; readonly weight: number; readonly healthy: boolean }
  /** value: undefined until read, and while the file is unreadable or holds no integer. */
  | { readonly kind: 'file'; readonly path: string; readonly weight: number; readonly value: number | undefined };

export interface HealthState {
  /** Stable names of the sources that hold the instance in Fault, in configuration order. */
  readonly faults: readonly string[];
  /** Added to the configured priority (see effectivePriority). */
  readonly priorityDelta: number;
}

export const HEALTHY: HealthState = { faults: [], priorityDelta: 0 };

/** 'track-interface:eth1', 'track-script:web-health', 'track-file:/run/x': for logs, status and reasons. */
export function sourceName(status: TrackerStatus): string {
  switch (status.kind) {
    case 'interface':
      return `track-interface:${status.name}`;
    case 'script':
      return `track-script:${status.name}`;
    case 'file':
      return `track-file:${status.path}`;
  }
}

/** One tracker's part: a fault, or a number added to the priority (often 0). */
export function effectOf(status: TrackerStatus): { readonly fault: boolean; readonly delta: number } {
  switch (status.kind) {
    case 'interface':
      if (status.up) return { fault: false, delta: 0 };
      return status.weight === 0 ? { fault: true, delta: 0 } : { fault: false, delta: status.weight };
    case 'script': {
      if (status.weight === 0) return { fault: !status.healthy, delta: 0 };
      const counts = status.weight > 0 ? status.healthy : !status.healthy;
      return { fault: false, delta: counts ? status.weight : 0 };
    }
    case 'file':
      if (status.weight === 0) return { fault: status.value !== 0, delta: 0 };
      return { fault: false, delta: (status.value ?? 0) * status.weight };
  }
}

export function combineHealth(statuses: readonly TrackerStatus[]): HealthState {
  const faults: string[] = [];
  let priorityDelta = 0;
  for (const status of statuses) {
    const { fault, delta } = effectOf(status);
    if (fault) faults.push(sourceName(status));
    priorityDelta += delta;
  }
  return { faults, priorityDelta };
}

export function sameHealth(a: HealthState, b: HealthState): boolean {
  return a.priorityDelta === b.priorityDelta && a.faults.length === b.faults.length && a.faults.every((f, i) => f === b.faults[i]);
}

/**
 * The priority to advertise: configured + delta, kept within 1..254 as keepalived does. A
 * tracker never makes a backup the address owner (255), and never reaches 0, which on the wire
 * means "master giving up" (RFC 9568 §5.2.4); going out of service is what a fault is for.
 * The owner itself (255) cannot track anything (config cross-check 'owner-tracking').
 */
export function effectivePriority(configured: number, health: HealthState): number {
  if (health.priorityDelta === 0) return configured;
  return Math.min(254, Math.max(1, configured + health.priorityDelta));
}
