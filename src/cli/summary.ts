// What `ipfailoverd --check-config` prints for a valid configuration: one
// line per instance, key=value so it can be grepped, then the warnings.
import { familyName, formatPrefix } from '../config/cidr.js';
import { formatIssue, type ConfigIssue } from '../config/issues.js';
import type { DaemonConfig, InstanceConfig } from '../config/types.js';

export function formatSummary(file: string, config: DaemonConfig, warnings: readonly ConfigIssue[]): string {
  const count = config.instances.length;
  const lines = [
    `${file}: configuration OK, ${count} instance${count === 1 ? '' : 's'}`,
    ...config.instances.map(instanceLine),
    ...warnings.map((w) => `warning: ${formatIssue(w)}`),
  ];
  return lines.join('\n') + '\n';
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
