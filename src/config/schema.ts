// JSON Schema (draft-07) of the configuration file, with defaults.
//
// Conventions:
// - additionalProperties: false on every object, so a misspelt key is an
//   error instead of a silently ignored setting.
// - Defaults live here and only here; ajv (useDefaults) writes them into the
//   document. An object with defaulted members has `default: {}` itself so
//   that ajv descends into it when it is absent.
// - Two keywords are ours (registered in schema-validator.ts):
//     ipAddress: "cidr" | "address"  the string must parse with cidr.ts
//     errorHints: { keyword: message } replaces ajv's message for that
//       keyword, where ajv's would be cryptic ("must match pattern ...").
// - Rules between fields live in cross-checks.ts, not here.
import type { SchemaObject } from 'ajv';
import { CHECKSUM_MODES, LOG_LEVELS } from './types.js';

const ONE_HOUR_MS = 3_600_000;
const ONE_DAY_MS = 86_400_000;

/** A delay in milliseconds that defaults to "none". */
function delayMs(max: number): SchemaObject {
  return { type: 'integer', minimum: 0, maximum: max, default: 0 };
}

const ADDRESS: SchemaObject = { type: 'string', ipAddress: 'address' };

const ANNOUNCE: SchemaObject = {
  type: 'object',
  additionalProperties: false,
  default: {},
  properties: {
    count: { type: 'integer', minimum: 0, maximum: 100, default: 5 },
    intervalMs: { type: 'integer', minimum: 10, maximum: 10_000, default: 200 },
    // On by default: an IP failover group's provider learns where the IP lives from these
    // announcements alone (no virtual MAC), so a lost burst would misroute the IP until the next
    // failover; a refresh bounds that to one period, for one frame per address per minute.
    // 0 switches it off; anything else must be at least a second so a typo cannot flood the
    // segment with gratuitous ARP.
    refreshIntervalMs: {
      type: 'integer',
      minimum: 0,
      maximum: ONE_DAY_MS,
      default: 60_000,
      if: { exclusiveMinimum: 0 },
      then: { minimum: 1000, errorHints: { minimum: 'must be 0 (off) or >= 1000' } },
    },
  },
};

/** Names of instances and of track scripts: they appear in logs, hook arguments and timer keys. */
const NAME: SchemaObject = {
  type: 'string',
  pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$',
  errorHints: { pattern: 'must be 1-32 characters of A-Z a-z 0-9 _ . - starting with a letter or digit' },
};

// What the kernel's dev_valid_name() accepts, narrowed to printable
// ASCII so that 15 characters are also 15 bytes (IFNAMSIZ - 1): the
// character class is 0x21-0x7e without '/' (0x2f) and ':' (0x3a).
const INTERFACE_NAME: SchemaObject = {
  type: 'string',
  minLength: 1,
  maxLength: 15,
  pattern: '^[\\x21-\\x2e\\x30-\\x39\\x3b-\\x7e]+$',
  not: { enum: ['.', '..'] },
  errorHints: {
    pattern: "must be a Linux interface name: printable ASCII without '/', ':' or whitespace",
    not: 'must not be "." or ".."',
  },
};

// The kernel takes paths and arguments as C strings: a NUL would cut them short
// (and Node refuses to spawn them), so it is rejected here, with the field's path.
const ABSOLUTE_PATH: SchemaObject = {
  type: 'string',
  pattern: '^/[^\\x00]*$',
  errorHints: { pattern: 'must be an absolute path (starting with "/")' },
};

const ARGUMENT: SchemaObject = {
  type: 'string',
  pattern: '^[^\\x00]*$',
  errorHints: { pattern: 'must not contain a NUL character' },
};

/**
 * A program and its arguments, run without a shell (no quoting, globbing or
 * $PATH lookup to get wrong). That the first element is an absolute path is a
 * cross-check: the tuple form of `items` would need a fixed length under ajv's
 * strict mode.
 */
const COMMAND: SchemaObject = { type: 'array', minItems: 1, items: ARGUMENT };

/** A local user, as useradd(8) allows by default; that it exists is checked by the loader. */
const USER_NAME: SchemaObject = {
  type: 'string',
  pattern: '^[a-z_][a-z0-9_-]{0,31}$',
  errorHints: { pattern: 'must be a Unix user name' },
};

/** keepalived's weight range: a tracker can move a priority across the whole 1..254 range. */
function weight(byDefault: number): SchemaObject {
  return { type: 'integer', minimum: -254, maximum: 254, default: byDefault };
}

// Semantics of the weights (keepalived's) are in src/runtime/tracking/health-state.ts.
const TRACK: SchemaObject = {
  type: 'object',
  additionalProperties: false,
  default: {},
  properties: {
    interfaces: {
      type: 'array',
      default: [],
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name'],
        properties: { name: INTERFACE_NAME, weight: weight(0) },
      },
    },
    scripts: {
      type: 'array',
      default: [],
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'command'],
        properties: {
          name: NAME,
          command: COMMAND,
          intervalMs: { type: 'integer', minimum: 100, maximum: ONE_HOUR_MS, default: 2000 },
          // At most intervalMs (cross-checks.ts), so runs of one script do not pile up.
          timeoutMs: { type: 'integer', minimum: 10, maximum: 600_000, default: 1000 },
          rise: { type: 'integer', minimum: 1, maximum: 100, default: 1 },
          fall: { type: 'integer', minimum: 1, maximum: 100, default: 1 },
          weight: weight(0),
          // Unproven until it passes (rise-fall.ts says why); true starts it healthy, as
          // keepalived's scripts without init_fail, for operators who prefer that.
          initiallyHealthy: { type: 'boolean', default: false },
          user: USER_NAME,
        },
      },
    },
    files: {
      type: 'array',
      default: [],
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['path'],
        properties: { path: ABSOLUTE_PATH, weight: weight(1) },
      },
    },
  },
};

/**
 * Programs run on state transitions, in order (src/runtime/notify-hooks.ts). `form` and `on`
 * map keepalived's hooks one to one: `notify` is form keepalived, notify_master is form none
 * on MASTER, and so on (STOP: the instance stops, what our own form calls INIT).
 */
const NOTIFY: SchemaObject = {
  type: 'array',
  default: [],
  items: {
    type: 'object',
    additionalProperties: false,
    required: ['command'],
    properties: {
      command: COMMAND,
      timeoutMs: { type: 'integer', minimum: 100, maximum: 600_000, default: 10_000 },
      user: USER_NAME,
      form: { enum: ['ipfailoverd', 'keepalived', 'none'], default: 'ipfailoverd' },
      on: { type: 'array', minItems: 1, uniqueItems: true, items: { enum: ['MASTER', 'BACKUP', 'FAULT', 'STOP'] } },
    },
  },
};

const INSTANCE: SchemaObject = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'interface', 'vrid', 'virtualAddresses'],
  properties: {
    name: NAME,
    interface: INTERFACE_NAME,
    vrid: { type: 'integer', minimum: 1, maximum: 255 },
    priority: {
      type: 'integer',
      minimum: 1,
      maximum: 255,
      default: 100,
      errorHints: { minimum: 'must be >= 1: priority 0 is reserved for a master giving up the role (RFC 9568 §5.2.4)' },
    },
    // Advertisements carry the interval as 12 bits of centiseconds.
    advertIntervalMs: {
      type: 'integer',
      minimum: 10,
      maximum: 40_950,
      multipleOf: 10,
      default: 1000,
      errorHints: {
        multipleOf: 'must be a multiple of 10: advertisements carry the interval in centiseconds',
        maximum: 'must be <= 40950: the interval field is 12 bits of centiseconds',
      },
    },
    virtualAddresses: { type: 'array', minItems: 1, items: { type: 'string', ipAddress: 'cidr' } },
    // Absent = multicast. An empty list would advertise to nobody.
    unicastPeers: { type: 'array', minItems: 1, items: ADDRESS },
    // Multicast mode: the only sources whose advertisements are accepted (VRRPv3 has no
    // authentication). Absent = anyone on the link; an empty list would accept nobody.
    peers: { type: 'array', minItems: 1, items: ADDRESS },
    sourceAddress: ADDRESS,
    preempt: { type: 'boolean', default: true },
    preemptDelayMs: delayMs(ONE_HOUR_MS),
    startupDelayMs: delayMs(ONE_HOUR_MS),
    groupMaster: { type: 'boolean', default: false },
    // On the other members: the configured master's own address, so that a member taking the role
    // at first start while the configured master is alive can name it in a warning.
    groupMasterAddress: ADDRESS,
    // With groupMasterAddress: how long a member that hears nobody at start waits for the
    // configured master before taking the role (it may still be booting); 0 turns it off. Only
    // the first election after start-up waits, never a failover. Bounded like the other delays.
    groupMasterWaitMs: { ...delayMs(ONE_HOUR_MS), default: 10_000 },
    // Matters for IPv4 only (IPv6 has one form): RFC 9568 §5.2.8 sums the
    // VRRP message alone, RFC 5798 put an IPv4 pseudo-header in front of it.
    // keepalived and FRR send the RFC 5798 form by default, so defaulting to
    // it lets a new group interoperate with them out of the box; "rfc9568" is
    // for groups whose peers all follow RFC 9568.
    checksum: { enum: [...CHECKSUM_MODES], default: 'rfc5798' },
    announce: ANNOUNCE,
    track: TRACK,
    notify: NOTIFY,
  },
};

/**
 * keepalived's vrrp_sync_group: instances that move together (src/runtime/sync-group.ts). The
 * members' names, each in one group at most, at least two: cross-checks.
 */
const SYNC_GROUP: SchemaObject = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'instances'],
  properties: {
    name: NAME,
    instances: { type: 'array', items: NAME },
    // Run on the group's state changes with "GROUP name STATE" appended (keepalived's form).
    notify: NOTIFY,
  },
};

/** A Unix group's name (useradd's rule), defaulting to `fallback`. */
function groupName(fallback: string): SchemaObject {
  return { type: 'string', pattern: '^[a-z_][a-z0-9_-]{0,31}\\$?$', default: fallback, errorHints: { pattern: 'must be a Unix group name' } };
}

export const CONFIG_SCHEMA: SchemaObject = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  additionalProperties: false,
  required: ['instances'],
  properties: {
    // sun_path holds 108 bytes including the terminating NUL.
    statusSocket: {
      type: 'string',
      pattern: '^/',
      maxLength: 107,
      default: '/run/ipfailoverd/ipfailoverd.sock',
      errorHints: { pattern: 'must be an absolute path', maxLength: 'must be at most 107 characters (the limit of a Unix socket path)' },
    },
    // The operators' group: it may connect to the status socket (owned by root, mode 0660).
    statusSocketGroup: groupName('ipfailoverd'),
    // Besides root, the members of this group may act through the status socket (step-down,
    // resume, reload); the operators' group may only read (status, watch). Checked with the
    // peer's credentials (SO_PEERCRED); a group that does not exist leaves acting to root.
    statusSocketAdminGroup: groupName('ipfailoverd-admin'),
    // Where operator state that must survive a restart is kept (step-down holds). Under systemd
    // StateDirectory= sets $STATE_DIRECTORY, which wins over this.
    stateDirectory: {
      type: 'string',
      pattern: '^/',
      default: '/var/lib/ipfailoverd',
      errorHints: { pattern: 'must be an absolute path' },
    },
    // keepalived's script_user: health checks and notify hooks run as this user (and its groups)
    // instead of the daemon's; a check or hook may name its own "user". Absent: the daemon's user.
    // Either way they run with no capabilities (src/runtime/script-privileges.ts).
    scriptUser: USER_NAME,
    log: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: { level: { enum: [...LOG_LEVELS], default: 'info' } },
    },
    // The Prometheus endpoint (GET /metrics): absent = none. Opt-in, and on the address given
    // only: check-config warns when that is not a loopback address.
    metrics: {
      type: 'object',
      additionalProperties: false,
      required: ['listen'],
      properties: { listen: { type: 'string', ipAddress: 'listen' } },
    },
    instances: { type: 'array', minItems: 1, items: INSTANCE },
    syncGroups: { type: 'array', default: [], items: SYNC_GROUP },
  },
};
