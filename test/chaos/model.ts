/**
 * What the chaos soak records and what its checker reads: a timeline of who holds each
 * failover IP and where the client's neighbour entry points, the windows of the faults it
 * injected, the daemons' exits and state transitions. Times are milliseconds since the soak
 * started (one clock for everything: the soak's own Date.now()).
 */

export const FAMILIES = ['v4', 'v6'] as const;
export type Family = (typeof FAMILIES)[number];

/** One observation, valid from `t` until the next one (a step function). */
export interface Sample {
  readonly t: number;
  /** Member indexes holding the family's failover IP, sorted. */
  readonly holders: Readonly<Record<Family, readonly number[]>>;
  /** The MAC of the client's neighbour entry for the failover IP; null = none usable. */
  readonly neighbour: Readonly<Record<Family, string | null>>;
}

export const FAULT_KINDS = [
  'sigkill',
  'sigterm',
  'partition',
  'isolation',
  'loss',
  'reload',
  'delete-vip',
  'add-copy',
  'step-down',
  'recreate-interface',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/**
 * Faults that cut members off from each other: a real split brain may follow, so two holders
 * are allowed from their start until the settle bound after they heal. (A partition takes the
 * carrier away, so the cut-off member should go to Fault and drop its copy; it is allowed
 * anyway, as the issue allows it.)
 */
export const SPLIT_KINDS: ReadonlySet<WindowKind> = new Set<WindowKind>(['partition', 'isolation', 'loss']);

/** The start-up of the daemons is a window too: the quiet time after it is checked alike. */
export type WindowKind = FaultKind | 'startup';

export interface FaultWindow {
  readonly id: number;
  readonly kind: WindowKind;
  /** The member the fault was applied to; 0 for start-up. */
  readonly member: number;
  readonly detail: string;
  readonly start: number;
  /** When the soak undid the fault (restart done, link up, rule removed ...). */
  readonly heal: number;
  /**
   * SIGKILL only: when the cleanup that the unit runs as ExecStopPost= had finished. Until then
   * the killed member's kernel still holds the failover IP (nothing of the daemon is left to
   * remove it), so two holders are that fault's, not a bug of the survivors.
   */
  readonly cleanedAt?: number;
  /** Configured priorities after the heal, per family, by member: who must hold once settled. */
  readonly priorities: Readonly<Record<Family, Readonly<Record<number, number>>>>;
}

/** How a daemon's exit was brought about: by nobody, or by the soak. */
export type ExitCause = 'none' | 'sigkill' | 'sigterm' | 'final-stop';

export interface DaemonExit {
  readonly t: number;
  readonly member: number;
  readonly code: number | null;
  readonly signal: string | null;
  readonly cause: ExitCause;
}

/** A state a daemon logged for one of its instances (INIT when it is spawned). */
export interface RoleChange {
  readonly t: number;
  readonly member: number;
  readonly family: Family;
  readonly state: string;
}

export interface Bounds {
  /** After a heal, exactly one holder by then: Active_Down_Interval + margin. */
  readonly settleMs: number;
  /** A dual-holder episode outside split windows may last this long (make-before-break preemption). */
  readonly handoverMs: number;
  /** The client's entry points at the holder's MAC within this of the settle. */
  readonly neighbourMs: number;
  /** A stopped daemon's member must hold nothing this long after its exit (the watcher's latency). */
  readonly exitGraceMs: number;
}

export interface SoakRecord {
  readonly samples: readonly Sample[];
  readonly windows: readonly FaultWindow[];
  readonly exits: readonly DaemonExit[];
  readonly roles: readonly RoleChange[];
  /** Members that run a daemon (a rogue member has none). */
  readonly daemonMembers: readonly number[];
  readonly macs: Readonly<Record<number, string>>;
  /** When the soak began its final stop: the last quiet time ends here. */
  readonly stopAt: number;
  /** Holders read from the kernel after every daemon of the final stop exited. */
  readonly finalHolders: Readonly<Record<Family, readonly number[]>>;
  /** Daemons that had not exited within the stop deadline of the final stop. */
  readonly stuckAtStop: readonly number[];
  /** Soak actions that failed (a restart that did not come up, a command that failed). */
  readonly soakErrors: ReadonlyArray<{ readonly t: number; readonly member: number; readonly detail: string }>;
}

export const INVARIANTS = [
  'settle',
  'unstable',
  'expected-holder',
  'no-holder',
  'dual-holder',
  'neighbour',
  'recovered',
  'unexpected-exit',
  'stop-status',
  'left-behind',
  'final-holders',
  'soak-action',
] as const;
export type Invariant = (typeof INVARIANTS)[number];

export interface Violation {
  readonly invariant: Invariant;
  readonly t: number;
  readonly family?: Family;
  readonly member?: number;
  /** The window the violation falls in (its fault), if any. */
  readonly window?: { readonly id: number; readonly kind: WindowKind; readonly member: number };
  readonly detail: string;
}
