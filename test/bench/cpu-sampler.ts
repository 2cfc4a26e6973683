/**
 * CPU and memory of running processes, from /proc: utime + stime of /proc/PID/stat (every thread
 * of the process, in clock ticks) over a window, and VmRSS of /proc/PID/status.
 */

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

/** sysconf(_SC_CLK_TCK): Node has no binding for it; getconf asks libc. */
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** utime + stime of `pid`, in ms. */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Field 2 (comm) is in parentheses and may hold spaces: count fields after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state): utime is field 14, stime field 15.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
}

/** Resident set size of `pid`, in kB. */
export function rssKb(pid: number): number {
  const found = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return found === null ? 0 : Number(found[1]);
}

export interface CpuFigure {
  /** CPU time used in the window, ms. */
  readonly cpuMs: number;
  readonly wallMs: number;
  /** Percent of one core. */
  readonly percent: number;
}

/** CPU of a set of processes (one daemon's) from now until stop(). */
export class CpuWindow {
  private readonly startCpu: number;
  private readonly startWall = performance.now();

  constructor(private readonly pids: readonly number[]) {
    this.startCpu = this.total();
  }

  private total(): number {
    return this.pids.reduce((sum, pid) => sum + cpuMs(pid), 0);
  }

  stop(): CpuFigure {
    const used = this.total() - this.startCpu;
    const wallMs = performance.now() - this.startWall;
    return { cpuMs: used, wallMs, percent: (100 * used) / wallMs };
  }
}
