// Rules between fields that JSON Schema cannot express. They run on a
// document that already passed the schema, so they can rely on its shape.
//
// Each rule is a row: a stable code, a severity, and a function that returns
// every violation it finds (never only the first), each with the JSON Pointer
// of the field to change.
import { isLoopback, virtualAddressProblem, unicastEndpointProblem } from './address-class.js';
import { hiddenBySandbox } from './sandbox-paths.js';
import { familyName, type IpAddress, type IpFamily } from './cidr.js';
import { jsonPointer, type ConfigIssue, type IssueCode } from './issues.js';
import { SYNC_GROUP_CHECKS } from './sync-group-checks.js';
import type { DaemonConfig, InstanceConfig } from './types.js';

export type Severity = 'error' | 'warning';

export interface Finding {
  readonly path: string;
  readonly message: string;
}

export interface CrossCheck {
  readonly code: IssueCode;
  readonly severity: Severity;
  readonly find: (config: DaemonConfig) => Finding[];
}

/** Highest priority, reserved for the router that owns the addresses (RFC 9568 §5.2.4). */
export const OWNER_PRIORITY = 255;

// Bytes before the address list: IPv4 header without options (VRRP sends
// none) or the IPv6 fixed header, then the 8-byte VRRP header.
const HEADER_BYTES: Record<IpFamily, number> = { 4: 20 + 8, 6: 40 + 8 };
const ADDRESS_BYTES: Record<IpFamily, number> = { 4: 4, 6: 16 };
// One advertisement carries every address. Its count field is 8 bits, and it
// must fit the IPv6 minimum link MTU (1280) so it is never fragmented.
const MAX_ADVERT_BYTES = 1280;
const MAX_COUNT_FIELD = 255;

/** How many virtual addresses one advertisement can carry: 255 for IPv4, 77 for IPv6. */
/** fe80::/10, on the normalized (lowercase, compressed) text form. */
function isLinkLocal(address: string): boolean {
  return /^fe[89ab][0-9a-f]?:/.test(address);
}

export function maxVirtualAddresses(family: IpFamily): number {
  const fit = Math.floor((MAX_ADVERT_BYTES - HEADER_BYTES[family]) / ADDRESS_BYTES[family]);
  return Math.min(MAX_COUNT_FIELD, fit);
}

const at = (instance: number, ...rest: ReadonlyArray<string | number>): string =>
  jsonPointer('instances', instance, ...rest);

interface Indexed<T> {
  readonly value: T;
  readonly index: number;
}

function indexed<T>(values: readonly T[]): Array<Indexed<T>> {
  return values.map((value, index) => ({ value, index }));
}

/** Each item whose key an earlier item already had, paired with that earlier item. */
function repeats<T>(items: readonly T[], key: (item: T) => string): Array<{ first: T; later: T }> {
  const seen = new Map<string, T>();
  const found: Array<{ first: T; later: T }> = [];
  for (const item of items) {
    const first = seen.get(key(item));
    if (first === undefined) seen.set(key(item), item);
    else found.push({ first, later: item });
  }
  return found;
}

/** Runs a rule that looks at one instance at a time. */
function eachInstance(rule: (instance: InstanceConfig, i: number) => Finding[]): (config: DaemonConfig) => Finding[] {
  return (config) => config.instances.flatMap(rule);
}

/** The two lists of the other members' addresses: where advertisements go, or only come from. */
type PeerList = 'unicastPeers' | 'peers';

interface ListedPeer extends Indexed<IpAddress> {
  readonly list: PeerList;
}

/** Every listed member address with its place in the document, so each rule covers both lists. */
function peersOf(instance: InstanceConfig): ListedPeer[] {
  return (['unicastPeers', 'peers'] as const).flatMap((list) => indexed(instance[list] ?? []).map((x) => ({ ...x, list })));
}

export const CROSS_CHECKS: readonly CrossCheck[] = [
  {
    code: 'duplicate-name',
    severity: 'error',
    find: (config) =>
      repeats(indexed(config.instances), (x) => x.value.name).map(({ first, later }) => ({
        path: at(later.index, 'name'),
        message: `instance name "${later.value.name}" is already used by ${at(first.index)}`,
      })),
  },
  {
    // IPv4 and IPv6 virtual routers are separate even with the same VRID
    // (RFC 9568 §1), so the family is part of the key.
    code: 'duplicate-vrid',
    severity: 'error',
    find: (config) =>
      repeats(indexed(config.instances), ({ value: x }) => `${x.interface} ${x.family} ${x.vrid}`).map(
        ({ first, later }) => ({
          path: at(later.index, 'vrid'),
          message:
            `VRID ${later.value.vrid} on ${later.value.interface} (${familyName(later.value.family)}) is already used by ` +
            `instance "${first.value.name}" (${at(first.index)}); a VRID must be unique per interface and address family`,
        }),
      ),
  },
  {
    // An advertisement carries addresses of one family only.
    code: 'mixed-families',
    severity: 'error',
    find: eachInstance((instance, i) =>
      indexed(instance.virtualAddresses)
        .filter(({ value }) => value.family !== instance.family)
        .map(({ value, index }) => ({
          path: at(i, 'virtualAddresses', index),
          message:
            `${value.given} is ${familyName(value.family)} but the first virtual address is ${familyName(instance.family)}; ` +
            'an instance has one address family: configure a second instance for the other one',
        })),
    ),
  },
  {
    code: 'peer-family',
    severity: 'error',
    find: eachInstance((instance, i) =>
      peersOf(instance)
        .filter(({ value }) => value.family !== instance.family)
        .map(({ value, index, list }) => ({
          path: at(i, list, index),
          message: `${value.given} is ${familyName(value.family)} but the virtual addresses are ${familyName(instance.family)}`,
        })),
    ),
  },
  {
    code: 'source-family',
    severity: 'error',
    find: eachInstance((instance, i) => {
      const source = instance.sourceAddress;
      if (source === undefined || source.family === instance.family) return [];
      return [{
        path: at(i, 'sourceAddress'),
        message: `${source.given} is ${familyName(source.family)} but the virtual addresses are ${familyName(instance.family)}`,
      }];
    }),
  },
  {
    code: 'duplicate-peer',
    severity: 'error',
    find: eachInstance((instance, i) =>
      repeats(peersOf(instance), (x) => `${x.list} ${x.value.address}`).map(({ first, later }) => ({
        path: at(i, later.list, later.index),
        message: `${later.value.given} is already listed at ${at(i, first.list, first.index)}`,
      })),
    ),
  },
  {
    code: 'peer-is-source',
    severity: 'error',
    find: eachInstance((instance, i) =>
      peersOf(instance)
        .filter(({ value }) => value.address === instance.sourceAddress?.address)
        .map(({ value, index, list }) => ({
          path: at(i, list, index),
          message: `${value.given} is this instance's own sourceAddress; list the other VMs of the group only`,
        })),
    ),
  },
  {
    // IPv6 advertisements go out from the link-local address unless sourceAddress says otherwise
    // (RFC 9568 §5.1.2.1), and the member check compares the packet's source with the list
    // (unicastPeers or peers): a global peer address against a link-local source would drop
    // every advertisement, and every member would become master.
    code: 'ipv6-peer-scope',
    severity: 'error',
    find: eachInstance((instance, i) => {
      if (instance.family !== 6) return [];
      const ours = instance.sourceAddress === undefined || isLinkLocal(instance.sourceAddress.address);
      return peersOf(instance)
        // An IPv4 entry is peer-family's to report, not a question of scope.
        .filter(({ value }) => value.family === 6 && isLinkLocal(value.address) !== ours)
        .map(({ value, index, list }) => ({
          path: at(i, list, index),
          message: ours
            ? `${value.given} is not link-local, but this instance sends from its link-local address: list the peers' link-local addresses, or set sourceAddress to this VM's global address (and do the same on the peers)`
            : `${value.given} is link-local, but this instance sends from ${instance.sourceAddress?.given ?? ''}: list the peers' addresses of the same scope`,
        }));
    }),
  },
  {
    // Compared without prefix length: 192.0.2.1/32 and 192.0.2.1/24 are the same address.
    code: 'duplicate-virtual-address',
    severity: 'error',
    find: eachInstance((instance, i) =>
      repeats(indexed(instance.virtualAddresses), (x) => x.value.address).map(({ first, later }) => ({
        path: at(i, 'virtualAddresses', later.index),
        message: `${later.value.given} is already listed at ${at(i, 'virtualAddresses', first.index)}`,
      })),
    ),
  },
  {
    // Two instances could be master at the same time and fight over the address.
    code: 'shared-virtual-address',
    severity: 'error',
    find: (config) => {
      const all = config.instances.flatMap((instance, i) =>
        instance.virtualAddresses.map((vip, j) => ({ vip, i, j, name: instance.name })),
      );
      return repeats(all, (x) => x.vip.address)
        .filter(({ first, later }) => first.i !== later.i)
        .map(({ first, later }) => ({
          path: at(later.i, 'virtualAddresses', later.j),
          message: `${later.vip.given} is also a virtual address of instance "${first.name}" (${at(first.i, 'virtualAddresses', first.j)})`,
        }));
    },
  },
  {
    code: 'too-many-addresses',
    severity: 'error',
    find: eachInstance((instance, i) => {
      const max = maxVirtualAddresses(instance.family);
      const count = instance.virtualAddresses.length;
      if (count <= max) return [];
      return [{
        path: at(i, 'virtualAddresses'),
        message:
          `${count} ${familyName(instance.family)} addresses do not fit in one advertisement (at most ${max}); ` +
          'split them over several instances',
      }];
    }),
  },
  {
    // RFC 9568 §5.2.4: 255 is for the router that owns the virtual
    // addresses as its real ones. Here that means sending from one of them.
    code: 'owner-priority',
    severity: 'error',
    find: eachInstance((instance, i) => {
      if (instance.priority !== OWNER_PRIORITY) return [];
      const source = instance.sourceAddress;
      if (source !== undefined && instance.virtualAddresses.some((v) => v.address === source.address)) return [];
      return [{
        path: at(i, 'priority'),
        message:
          'priority 255 is reserved for the owner of the virtual addresses (RFC 9568 §5.2.4), which requires ' +
          'sourceAddress to be one of them; use 254 for the preferred master',
      }];
    }),
  },
  {
    code: 'virtual-address-class',
    severity: 'error',
    find: eachInstance((instance, i) =>
      indexed(instance.virtualAddresses).flatMap(({ value, index }) => {
        const problem = virtualAddressProblem(value);
        return problem === undefined ? [] : [{ path: at(i, 'virtualAddresses', index), message: problem }];
      }),
    ),
  },
  {
    code: 'endpoint-address-class',
    severity: 'error',
    find: eachInstance((instance, i) => {
      const endpoints = peersOf(instance).map(({ value, index, list }) => ({ value, path: at(i, list, index) }));
      if (instance.sourceAddress !== undefined) {
        endpoints.push({ value: instance.sourceAddress, path: at(i, 'sourceAddress') });
      }
      return endpoints.flatMap(({ value, path }) => {
        const problem = unicastEndpointProblem(value);
        return problem === undefined ? [] : [{ path, message: problem }];
      });
    }),
  },
  {
    // The owner's priority is 255 by definition (RFC 9568 §5.2.4), and a tracker
    // would lower it or take the owner to Fault; keepalived refuses it too.
    code: 'owner-tracking',
    severity: 'error',
    find: eachInstance((instance, i) => {
      const { interfaces, scripts, files } = instance.track;
      if (instance.priority !== OWNER_PRIORITY || interfaces.length + scripts.length + files.length === 0) return [];
      return [{
        path: at(i, 'track'),
        message:
          'an instance with priority 255 (the address owner) cannot track interfaces, scripts or files: ' +
          'its priority must stay 255; use 254 or lower to track health',
      }];
    }),
  },
  {
    // Each tracker is a fault source named by its name or path; two with the same
    // name would be one source counted twice.
    code: 'duplicate-track',
    severity: 'error',
    find: eachInstance((instance, i) => {
      const lists = [
        { field: 'interfaces', keys: instance.track.interfaces.map((x) => x.name), what: 'interface' },
        { field: 'scripts', keys: instance.track.scripts.map((x) => x.name), what: 'script name' },
        { field: 'files', keys: instance.track.files.map((x) => x.path), what: 'file' },
      ] as const;
      return lists.flatMap(({ field, keys, what }) =>
        repeats(indexed(keys), (x) => x.value).map(({ first, later }) => ({
          path: at(i, 'track', field, later.index, field === 'files' ? 'path' : 'name'),
          message: `${what} "${later.value}" is already tracked at ${at(i, 'track', field, first.index)}`,
        })),
      );
    }),
  },
  {
    // A run still going at the next tick makes that tick skipped: the check would
    // run less often than configured without anyone noticing.
    code: 'script-timeout',
    severity: 'error',
    find: eachInstance((instance, i) =>
      indexed(instance.track.scripts)
        .filter(({ value }) => value.timeoutMs > value.intervalMs)
        .map(({ value, index }) => ({
          path: at(i, 'track', 'scripts', index, 'timeoutMs'),
          message: `${value.timeoutMs} is longer than intervalMs (${value.intervalMs}); a run must end before the next one is due`,
        })),
    ),
  },
  {
    // Commands run without a shell and without a $PATH search, so the program is
    // named by its absolute path: what runs does not depend on the daemon's environment.
    code: 'command-not-absolute',
    severity: 'error',
    find: (config) => {
      const commands = [
        ...config.instances.flatMap((instance, i) => [
          ...instance.track.scripts.map((s, j) => ({ argv: s.command, path: at(i, 'track', 'scripts', j, 'command', 0) })),
          ...instance.notify.map((h, j) => ({ argv: h.command, path: at(i, 'notify', j, 'command', 0) })),
        ]),
        ...config.syncGroups.flatMap((group, g) => group.notify.map((h, j) => ({ argv: h.command, path: jsonPointer('syncGroups', g, 'notify', j, 'command', 0) }))),
      ];
      return commands
        .filter(({ argv }) => !(argv[0] ?? '').startsWith('/'))
        .map(({ argv, path }) => ({
          path,
          message: `"${argv[0] ?? ''}" must be an absolute path: commands run without a shell and without a $PATH search`,
        }));
    },
  },
  {
    // The shipped unit's PrivateTmp= and ProtectHome= give the daemon and its children an empty
    // /tmp and no /home: a program or file there is missing as soon as systemd starts the daemon.
    code: 'hidden-by-sandbox',
    severity: 'warning',
    find: eachInstance((instance, i) => [
      ...instance.track.scripts.map((s, j) => ({ file: s.command[0] ?? '', path: at(i, 'track', 'scripts', j, 'command', 0), effect: 'this check can never pass' })),
      ...instance.notify.map((h, j) => ({ file: h.command[0] ?? '', path: at(i, 'notify', j, 'command', 0), effect: 'this hook can never run' })),
      ...instance.track.files.map((f, j) => ({ file: f.path, path: at(i, 'track', 'files', j, 'path'), effect: 'this file always reads as missing (counted as 0)' })),
    ].flatMap(({ file, path, effect }) => {
      const hidden = hiddenBySandbox(file);
      return hidden === undefined ? [] : [{ path, message: `${file}: the unit's ${hidden.setting} hides ${hidden.directory}: ${effect} under systemd; move it (e.g. to /usr/local/lib/ipfailoverd or /etc/ipfailoverd)` }];
    })),
  },
  {
    // In unicast mode advertisements come from the unicast peers and no one else (§7.1's source
    // check runs on that list): a second list could only disagree with the first.
    code: 'peers-with-unicast',
    severity: 'error',
    find: eachInstance((instance, i) =>
      instance.unicastPeers !== undefined && instance.peers !== undefined
        ? [{
            path: at(i, 'peers'),
            message: 'unicastPeers already lists who may advertise: advertisements from any other source are dropped; remove peers',
          }]
        : [],
    ),
  },
  {
    code: 'preempt-delay-ignored',
    severity: 'warning',
    find: eachInstance((instance, i) =>
      !instance.preempt && instance.preemptDelayMs > 0
        ? [{ path: at(i, 'preemptDelayMs'), message: 'has no effect because preempt is false' }]
        : [],
    ),
  },
  {
    code: 'group-master-without-preempt',
    severity: 'warning',
    find: eachInstance((instance, i) =>
      instance.groupMaster && !instance.preempt
        ? [{
            path: at(i, 'preempt'),
            message: 'is false on the group master: after a failover it will not take the master role back',
          }]
        : [],
    ),
  },
  {
    // VRRPv3 has no authentication (RFC 9568 §9): in multicast mode without a peers list, one
    // advertisement from any host on the LAN can take the role (priority 254) or hand it over
    // (priority 0). The owner (255) is exempt: it drops every advertisement (§7.1).
    code: 'multicast-without-peers',
    severity: 'warning',
    find: eachInstance((instance, i) =>
      instance.unicastPeers === undefined && instance.peers === undefined && instance.priority !== OWNER_PRIORITY
        ? [{
            path: at(i, 'peers'),
            message:
              "is not set: advertisements are accepted from anyone on the link, so any host on the LAN can take the IP; " +
              "list the other members' addresses (IPv6: their link-local addresses)",
          }]
        : [],
    ),
  },
  {
    // Allowed, since someone wrote it down; but the endpoint has no authentication, and what it
    // tells is which member holds the failover IP and how to make it move.
    code: 'metrics-not-loopback',
    severity: 'warning',
    find: (config) => {
      const listen = config.metrics?.listen;
      if (listen === undefined || isLoopback(listen)) return [];
      return [{ path: jsonPointer('metrics', 'listen'), message: `"${listen.given}" is not a loopback address: anyone who can reach it reads the group's state` }];
    },
  },
  ...SYNC_GROUP_CHECKS,
];

export interface CrossCheckResult {
  readonly errors: ConfigIssue[];
  readonly warnings: ConfigIssue[];
}

export function runCrossChecks(config: DaemonConfig, checks: readonly CrossCheck[] = CROSS_CHECKS): CrossCheckResult {
  const result: CrossCheckResult = { errors: [], warnings: [] };
  for (const check of checks) {
    const issues = check.find(config).map((f) => ({ ...f, code: check.code }));
    (check.severity === 'error' ? result.errors : result.warnings).push(...issues);
  }
  return result;
}
