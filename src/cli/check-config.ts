// `--check-config FILE` (ipfailoverd) and `check-config FILE` (ipfailoverctl): one
// implementation, so both commands accept and reject exactly the same files.
import { formatIssue, loadConfigFile, type ConfigIssue } from '../config/load.js';
import { EX_CONFIG, EX_OK } from './exit-codes.js';
import { formatSummary } from './summary.js';

export async function checkConfig(program: string, file: string): Promise<number> {
  const result = await loadConfigFile(file);
  if (!result.ok) return reportConfigErrors(program, file, result.errors);
  process.stdout.write(formatSummary(file, result.config, result.warnings));
  return EX_OK;
}

export function reportConfigErrors(program: string, file: string, errors: readonly ConfigIssue[]): number {
  const lines = errors.map(formatIssue);
  const count = errors.length;
  lines.push(`${program}: ${file}: ${count} error${count === 1 ? '' : 's'}, configuration not accepted`);
  // Under systemd, "<3>" files each line as an error, so `journalctl -p err` shows why it stopped.
  const prefix = process.env.JOURNAL_STREAM === undefined ? '' : '<3>';
  process.stderr.write(lines.map((line) => prefix + line).join('\n') + '\n');
  return EX_CONFIG;
}
