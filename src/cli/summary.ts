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
  ].join(' ');
}
