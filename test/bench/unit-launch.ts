/**
 * How systemd/ipfailoverd.service runs the daemon, for benchmarks and soaks that start it by
 * hand: "measure what ships". Reads the [Service] section's Environment= (NODE_OPTIONS among
 * them), Nice=, CPUSchedulingPolicy= / CPUSchedulingPriority= and IOSchedulingClass= /
 * IOSchedulingPriority=, and turns them into an environment and a command prefix
 * (`nice -n N`, `chrt --POLICY P`, `ionice -c C -n P`), each of which execs the next, so the
 * process started keeps its pid.
 *
 * Settings that only a service manager can apply (cgroup weights and quotas, affinity) are
 * listed in `unapplied`, so that a report can say what it did not reproduce.
 */

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const UNIT_FILE = fileURLToPath(new URL('../../../systemd/ipfailoverd.service', import.meta.url));

export interface UnitLaunch {
  readonly env: Readonly<Record<string, string>>;
  /** Commands to put in front of the daemon's, in order; empty when the unit sets none. */
  readonly prefix: readonly string[];
  /** Scheduling settings present in the unit that a plain process start cannot apply. */
  readonly unapplied: readonly string[];
}

export class UnitFileError extends Error {
  constructor(
    readonly code: 'bad-value',
    message: string,
  ) {
    super(message);
    this.name = 'UnitFileError';
  }
}

/** cgroup and CPU-placement settings: systemd applies them, a plain exec cannot. */
const NOT_APPLIED = ['CPUWeight', 'StartupCPUWeight', 'CPUShares', 'CPUQuota', 'CPUAffinity', 'NUMAPolicy', 'AllowedCPUs'];

const CPU_POLICIES: Readonly<Record<string, string>> = { other: '--other', batch: '--batch', idle: '--idle', fifo: '--fifo', rr: '--rr' };
/** systemd.exec(5): IOSchedulingClass= takes a name or 0-3; ionice(1) -c takes 0-3 (none = 0). */
const IO_CLASSES: Readonly<Record<string, number>> = { none: 0, realtime: 1, 'best-effort': 2, idle: 3, '0': 0, '1': 1, '2': 2, '3': 3 };

/** Assignments of the [Service] section, in file order, with continuation lines joined. */
export function serviceAssignments(text: string): Array<readonly [string, string]> {
  const out: Array<readonly [string, string]> = [];
  let section = '';
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = pending + raw.trim();
    pending = '';
    if (line.endsWith('\\')) {
      pending = `${line.slice(0, -1)} `;
      continue;
    }
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    if (line.startsWith('[')) {
      section = line;
      continue;
    }
    const eq = line.indexOf('=');
    if (section !== '[Service]' || eq < 0) continue;
    out.push([line.slice(0, eq).trim(), line.slice(eq + 1).trim()]);
  }
  return out;
}

/** Environment='A=1 b' "B=2" C=3 → words, as systemd.exec(5) splits them (quotes group). */
function words(value: string): string[] {
  const found: string[] = [];
  const pattern = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g;
  for (const match of value.matchAll(pattern)) found.push(match[1] !== undefined ? match[1].replace(/\\(.)/g, '$1') : (match[2] ?? match[3] ?? ''));
  return found;
}

function integer(key: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^-?\d+$/.test(value) || n < min || n > max) throw new UnitFileError('bad-value', `${key}=${value}: must be an integer in ${min}..${max}`);
  return n;
}

export function parseUnitLaunch(text: string): UnitLaunch {
  const env: Record<string, string> = {};
  let nice: number | undefined;
  let policy: string | undefined;
  let cpuPriority: number | undefined;
  let ioClass: number | undefined;
  let ioPriority: number | undefined;
  const unapplied: string[] = [];
  for (const [key, value] of serviceAssignments(text)) {
    switch (key) {
      case 'Environment':
        // An empty assignment resets the list built so far (systemd.exec(5)).
        if (value === '') for (const name of Object.keys(env)) delete env[name];
        for (const word of words(value)) {
          const eq = word.indexOf('=');
          if (eq > 0) env[word.slice(0, eq)] = word.slice(eq + 1);
        }
        break;
      case 'Nice':
        nice = value === '' ? undefined : integer(key, value, -20, 19);
        break;
      case 'CPUSchedulingPolicy':
        if (value !== '' && CPU_POLICIES[value] === undefined) throw new UnitFileError('bad-value', `${key}=${value}: not one of ${Object.keys(CPU_POLICIES).join(', ')}`);
        policy = value === '' ? undefined : value;
        break;
      case 'CPUSchedulingPriority':
        cpuPriority = value === '' ? undefined : integer(key, value, 0, 99);
        break;
      case 'IOSchedulingClass':
        if (value !== '' && IO_CLASSES[value] === undefined) throw new UnitFileError('bad-value', `${key}=${value}: not one of ${Object.keys(IO_CLASSES).join(', ')}`);
        ioClass = value === '' ? undefined : IO_CLASSES[value];
        break;
      case 'IOSchedulingPriority':
        ioPriority = value === '' ? undefined : integer(key, value, 0, 7);
        break;
      default:
        if (NOT_APPLIED.includes(key) && value !== '') unapplied.push(`${key}=${value}`);
    }
  }
  const prefix: string[] = [];
  if (nice !== undefined) prefix.push('nice', '-n', String(nice));
  if (policy !== undefined) {
    // chrt needs a priority: 1..99 for the realtime policies, 0 for the others (systemd's defaults too).
    const realtime = policy === 'fifo' || policy === 'rr';
    const priority = realtime ? Math.max(1, cpuPriority ?? 1) : 0;
    prefix.push('chrt', CPU_POLICIES[policy] as string, String(priority));
  }
  if (ioClass !== undefined) {
    prefix.push('ionice', '-c', String(ioClass));
    // ionice(1) takes a level only for realtime and best-effort.
    if (ioPriority !== undefined && (ioClass === 1 || ioClass === 2)) prefix.push('-n', String(ioPriority));
  }
  return { env, prefix, unapplied };
}

export function unitLaunch(file: string = UNIT_FILE): UnitLaunch {
  return parseUnitLaunch(readFileSync(file, 'utf8'));
}

/** One line for a report: what the daemon is started with. */
export function describeLaunch(launch: UnitLaunch, file: string): string {
  const env = Object.entries(launch.env).map(([k, v]) => `${k}=${v}`);
  const parts = [`env ${env.length > 0 ? env.join(' ') : '(none)'}`, `prefix ${launch.prefix.length > 0 ? launch.prefix.join(' ') : '(none)'}`];
  if (launch.unapplied.length > 0) parts.push(`not applied: ${launch.unapplied.join(' ')}`);
  return `${file}: ${parts.join('; ')}`;
}
