// `ipfailoverd --cleanup --config FILE`: loads FILE as the daemon would, removes the virtual
// addresses it configures that are still on their interfaces (runtime/cleanup.ts), and says what
// it did, one line each. A bad configuration touches nothing. Run by the unit as ExecStopPost=.
import { loadConfigFile } from '../config/load.js';
import type { CleanupReport } from '../runtime/cleanup.js';
import { reportConfigErrors } from './check-config.js';
import { EX_OK, EX_OSERR } from './exit-codes.js';

export async function cleanup(program: string, file: string): Promise<number> {
  const result = await loadConfigFile(file);
  if (!result.ok) return reportConfigErrors(program, file, result.errors);
  // Loaded only now: a bad configuration never opens a netlink socket.
  const [{ openAddressPort }, { removeVirtualAddresses }] = await Promise.all([import('../net/netlink-addresses.js'), import('../runtime/cleanup.js')]);
  let report: CleanupReport;
  const port = await openAddressPort();
  try {
    report = await removeVirtualAddresses(result.config, port);
  } finally {
    port.close();
  }
  process.stdout.write(formatCleanup(program, report));
  if (report.problems.length === 0) return EX_OK;
  // Under systemd, "<3>" files each line as an error (journalctl -p err).
  const prefix = process.env.JOURNAL_STREAM === undefined ? '' : '<3>';
  const lines = report.problems.map((p) => `${prefix}${program}: cleanup: instance ${p.instance}: ${p.address === undefined ? '' : `${p.address}/${p.prefixLength} `}not removed from ${p.interface}: ${p.message}`);
  lines.push(`${prefix}${program}: cleanup: ${report.problems.length} virtual address problem${report.problems.length === 1 ? '' : 's'}; the failover IP may still be on this VM`);
  process.stderr.write(lines.join('\n') + '\n');
  return EX_OSERR;
}

/** What was done, for stdout (the journal under systemd). */
export function formatCleanup(program: string, report: CleanupReport): string {
  const lines = [
    ...report.removed.map((r) => `${program}: cleanup: removed ${r.address}/${r.prefixLength} from ${r.interface} (instance ${r.instance})`),
    ...report.missingInterfaces.map((m) => `${program}: cleanup: interface ${m.interface} (instance ${m.instance}) does not exist: nothing to remove`),
    ...report.owners.map((name) => `${program}: cleanup: instance ${name} is the address owner (priority 255): its addresses stay`),
  ];
  if (report.removed.length === 0 && report.problems.length === 0) lines.push(`${program}: cleanup: no virtual address was present`);
  return lines.map((line) => `${line}\n`).join('');
}
