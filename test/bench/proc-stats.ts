/**
 * What the kernel says about a process, for the benchmarks: resident memory from
 * /proc/PID/status (VmRSS now, VmHWM its peak since start) and CPU time from /proc/PID/stat
 * (utime + stime, in clock ticks). Read straight from /proc: no ps, no sampling tool.
 */

import { readFileSync } from 'node:fs';

/** USER_HZ: 100 on every Linux that Node runs on (sysconf(_SC_CLK_TCK)). */
const TICKS_PER_SECOND = 100;

export interface Memory {
  /** Resident set now, MB (MiB). */
  readonly rssMb: number;
  /** The highest resident set since the process started, MB. */
  readonly hwmMb: number;
  /** Of the resident set: anonymous memory (heaps, stacks), file-backed (node's text), shared memory. */
  readonly anonMb: number;
  readonly fileMb: number;
}

function kbField(status: string, name: string): number {
  const match = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status);
  return match === null ? NaN : Number(match[1]) / 1024;
}

/** undefined once the process has gone. */
export function memoryOf(pid: number): Memory | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  return {
    rssMb: kbField(status, 'VmRSS'),
    hwmMb: kbField(status, 'VmHWM'),
    anonMb: kbField(status, 'RssAnon'),
    fileMb: kbField(status, 'RssFile'),
  };
}

/** User + system CPU seconds the process has used so far; undefined once it has gone. */
export function cpuSecondsOf(pid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may hold spaces: count from after it.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of stat(5) are utime and stime; fields[0] here is field 3.
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/** CPU use over a window, as a share of one core (100 = one core busy). */
export async function cpuPercentOver(pid: number, ms: number): Promise<number> {
  const before = cpuSecondsOf(pid) ?? NaN;
  const t0 = Date.now();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const after = cpuSecondsOf(pid) ?? NaN;
  return ((after - before) / ((Date.now() - t0) / 1000)) * 100;
}
