// What `ipfailoverd --check-config` prints for a valid configuration: one
// line per instance, key=value so it can be grepped, under it who may move the
// instance's IP, then the warnings.
import { familyName, formatPrefix } from '../config/cidr.js';
import { formatIssue, type ConfigIssue } from '../config/issues.js';
import { OWNER_PRIORITY } from '../config/cross-checks.js';
import type { DaemonConfig, InstanceConfig, IpAddress } from '../config/types.js';

export function formatSummary(file: string, config: DaemonConfig, warnings: readonly ConfigIssue[]): string {
  const count = config.instances.length;
  const lines = [
    `${file}: configuration OK, ${count} instance${count === 1 ? '' : 's'}`,
    ...config.instances.flatMap((instance) => [instanceLine(instance), `  ${acceptedFrom(instance)}`]),
    ...config.syncGroups.map((group) => `sync group ${group.name}: ${group.instances.join(',')} (Master, Backup and Fault together) hooks=${group.notify.length}`),
    ...warnings.map((w) => `warning: ${formatIssue(w)}`),
  ];
  return lines.join('\n') + '\n';
}

/**
 * Whose advertisements the instance acts on. VRRPv3 has no authentication (RFC 9568 §9): the
 * source address is the only guard, so this says who can take the role or hand it over.
 */
function acceptedFrom(instance: InstanceConfig): string {
  if (instance.priority === OWNER_PRIORITY) return 'advertisements ignored: priority 255, this router owns the addresses (RFC 9568 §7.1)';
  const listed = (list: 'unicastPeers' | 'peers', peers: readonly IpAddress[]) =>
    `advertisements accepted from: ${peers.map((p) => p.address).join(', ')} (${list})`;
  if (instance.unicastPeers !== undefined) return listed('unicastPeers', instance.unicastPeers);
  if (instance.peers !== undefined) return listed('peers', instance.peers);
  return 'advertisements accepted from: anyone on the link (multicast, no peers list: any host on the LAN can take the IP)';
}

function instanceLine(instance: InstanceConfig): string {
  const peers = instance.unicastPeers;
  const mode = peers === undefined ? 'multicast' : `unicast(${peers.map((p) => p.address).join(',')})`;
  return [
    `instance ${instance.name}:`,
    `interface=${instance.interface}`,
    `vrid=${instance.vrid}`,
    `family=${familyName(instance.family)}`,
    `priority=${instance.priority}`,
    `interval=${instance.advertIntervalMs}ms`,
    `addresses=${instance.virtualAddresses.map(formatPrefix).join(',')}`,
    `mode=${mode}`,
    `groupMaster=${instance.groupMaster}`,
    `firstStart=${firstStart(instance)}`,
  ].join(' ');
}

/** What this member does at the group's first election (README, "IP failover groups"). */
function firstStart(instance: InstanceConfig): string {
  if (instance.groupMaster) return 'leads(takes the role one interval sooner than the others)';
  const master = instance.groupMasterAddress?.address;
  if (master === undefined) return 'no-wait(groupMasterAddress unset: the first member to time out takes the IP)';
  if (instance.groupMasterWaitMs === 0) return `no-wait(groupMasterWaitMs=0)`;
  return `waits-for(${master},up to ${instance.groupMasterWaitMs}ms)`;
}
