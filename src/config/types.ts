// The configuration as the rest of the daemon sees it: validated, defaults
// applied, addresses parsed. Field names are the JSON names, so a JSON
// Pointer in an error message maps straight onto these types.
import type { IpAddress, IpFamily, IpPrefix } from './cidr.js';
import type { ListenAddress } from './listen-address.js';

export type { IpAddress, IpFamily, IpPrefix } from './cidr.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

import type { ChecksumVariant } from '../protocol/checksum.js';

/** The wire's checksum variants are the configuration's: one list, checked against the type. */
export const CHECKSUM_MODES = ['rfc9568', 'rfc5798'] as const satisfies readonly ChecksumVariant[];
export type ChecksumMode = ChecksumVariant;

export interface LogConfig {
  readonly level: LogLevel;
}

/** Gratuitous ARP (IPv4) / unsolicited Neighbor Advertisement (IPv6) bursts. */
export interface AnnounceConfig {
  /** Announcements sent on becoming master; 0 sends none. */
  readonly count: number;
  readonly intervalMs: number;
  /** Repeat the burst this often while master; 0 = never. */
  readonly refreshIntervalMs: number;
}

/**
 * keepalived's track_interface. Weight 0: the instance is in Fault while the
 * interface is down; otherwise the weight is added to the priority while it is down.
 */
export interface TrackInterfaceConfig {
  readonly name: string;
  readonly weight: number;
}

/** A local user the operator's programs run as (scriptUser, or a check's or hook's "user"). */
export interface ScriptIdentity {
  readonly user: string;
  readonly uid: number;
  /** The user's primary group (its /etc/passwd entry). */
  readonly gid: number;
}

/**
 * keepalived's vrrp_script + track_script. Weight 0: Fault while failed;
 * > 0: added while healthy; < 0: added while failed.
 */
export interface TrackScriptConfig {
  readonly name: string;
  /** argv, run without a shell; command[0] is an absolute path. */
  readonly command: readonly string[];
  readonly intervalMs: number;
  /** <= intervalMs. A run that takes longer is killed and counts as a failure. */
  readonly timeoutMs: number;
  /** Consecutive successes that make a failed script healthy. */
  readonly rise: number;
  /** Consecutive failures that make a healthy script failed. */
  readonly fall: number;
  readonly weight: number;
  /** Healthy before its first run (then `fall` failures make it failed); default false: unproven. */
  readonly initiallyHealthy: boolean;
  /** Runs as this user instead of scriptUser (keepalived's vrrp_script `user`). */
  readonly user?: string;
  /** Who it runs as, resolved by the loader from `user` or scriptUser; undefined: the daemon's user. */
  readonly runAs?: ScriptIdentity;
}

/**
 * keepalived's track_file: the integer in the file times the weight is added
 * to the priority; with weight 0, any value other than 0 means Fault.
 */
export interface TrackFileConfig {
  readonly path: string;
  readonly weight: number;
}

export interface TrackConfig {
  readonly interfaces: readonly TrackInterfaceConfig[];
  readonly scripts: readonly TrackScriptConfig[];
  readonly files: readonly TrackFileConfig[];
}

/**
 * What a notify hook is given after its command (src/runtime/notify-hooks.ts):
 * - `ipfailoverd`: `NAME STATE PRIORITY`, STATE one of MASTER, BACKUP, FAULT, INIT;
 * - `keepalived`: `INSTANCE NAME STATE PRIORITY`, as keepalived's `notify` (STOP for INIT);
 * - `none`: nothing, as keepalived's notify_master, notify_backup, notify_fault, notify_stop.
 */
export type NotifyForm = 'ipfailoverd' | 'keepalived' | 'none';

/** keepalived's names for the states a hook can be limited to; STOP is the instance stopping. */
export type NotifyOn = 'MASTER' | 'BACKUP' | 'FAULT' | 'STOP';

/** A program run on state transitions (keepalived's notify and notify_* scripts). */
export interface NotifyHookConfig {
  /** argv, run without a shell; what is appended depends on `form`. */
  readonly command: readonly string[];
  readonly timeoutMs: number;
  /** Default `ipfailoverd`. */
  readonly form?: NotifyForm;
  /** Runs only on transitions to these states; every transition when absent. */
  readonly on?: readonly NotifyOn[];
  /** Runs as this user instead of scriptUser. */
  readonly user?: string;
  /** Resolved by the loader, as for track scripts. */
  readonly runAs?: ScriptIdentity;
}

export interface InstanceConfig {
  readonly name: string;
  readonly interface: string;
  readonly vrid: number;
  readonly priority: number;
  readonly advertIntervalMs: number;
  /** Family of the virtual addresses (all of them, once validated). */
  readonly family: IpFamily;
  readonly virtualAddresses: readonly IpPrefix[];
  /** Unicast advertisements to these peers; undefined = multicast. */
  readonly unicastPeers: readonly IpAddress[] | undefined;
  /**
   * Multicast mode: the other members' addresses (IPv6: their link-local addresses, the source of
   * their advertisements, RFC 9568 §5.1.2.1); advertisements from any other source are dropped.
   * undefined = anyone on the link. With unicastPeers, that list is the filter (a cross-check).
   */
  readonly peers: readonly IpAddress[] | undefined;
  /** undefined = the interface's primary IPv4 address, or its IPv6 link-local address. */
  readonly sourceAddress: IpAddress | undefined;
  readonly preempt: boolean;
  readonly preemptDelayMs: number;
  readonly startupDelayMs: number;
  /** This VM is the cloud failover group's designated master. */
  readonly groupMaster: boolean;
  /** On other members: the configured master's address, named when this member displaces it. */
  readonly groupMasterAddress: IpAddress | undefined;
  /**
   * On a member with groupMasterAddress: how long after start-up it waits for the configured
   * master (or any Active router) before taking the role itself; 0 = no wait.
   */
  readonly groupMasterWaitMs: number;
  readonly checksum: ChecksumMode;
  readonly announce: AnnounceConfig;
  readonly track: TrackConfig;
  readonly notify: readonly NotifyHookConfig[];
  /** The sync group this instance belongs to (syncGroups), if any. */
  readonly syncGroup?: string;
}

/** keepalived's vrrp_sync_group: instances that go Master, Backup and Fault together. */
export interface SyncGroupConfig {
  readonly name: string;
  readonly instances: readonly string[];
  /** Run on the group's state changes; "GROUP name STATE" is appended to each command. */
  readonly notify: readonly NotifyHookConfig[];
}

/** The Prometheus endpoint (metrics-server.ts). */
export interface MetricsConfig {
  readonly listen: ListenAddress;
}

export interface DaemonConfig {
  readonly statusSocket: string;
  readonly statusSocketGroup: string;
  /** Besides root, who may step-down, resume and reload through the status socket. */
  readonly statusSocketAdminGroup: string;
  readonly stateDirectory: string;
  /** keepalived's script_user: health checks and notify hooks run as this user. */
  readonly scriptUser?: string;
  readonly log: LogConfig;
  /** undefined: no metrics endpoint (the default). */
  readonly metrics: MetricsConfig | undefined;
  readonly instances: readonly InstanceConfig[];
  readonly syncGroups: readonly SyncGroupConfig[];
}

/**
 * The JSON document after schema validation (defaults filled in by ajv),
 * before addresses are parsed. Only the loader uses this shape.
 */
export interface ConfigDocument {
  statusSocket: string;
  statusSocketGroup: string;
  statusSocketAdminGroup: string;
  stateDirectory: string;
  scriptUser?: string;
  log: LogConfig;
  metrics?: { listen: string };
  instances: InstanceDocument[];
  syncGroups: SyncGroupConfig[];
}

export interface InstanceDocument extends Omit<InstanceConfig, 'syncGroup' | 'family' | 'virtualAddresses' | 'unicastPeers' | 'peers' | 'sourceAddress' | 'groupMasterAddress'> {
  virtualAddresses: string[];
  unicastPeers?: string[];
  peers?: string[];
  sourceAddress?: string;
  groupMasterAddress?: string;
}
