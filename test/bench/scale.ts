/**
 * CPU and memory at scale, on a master/backup pair: N IPv4 instances (VRIDs 1..N, multicast),
 * m1 priority 150 (master of all), m2 100. After both have settled, a window: CPU of each side
 * from /proc (cpu-sampler.ts), RSS at its end, and — from before the backup starts to the end
 * of the window — whether any VIP was ever on both members (address-monitor.ts).
 *
 * µs per advertisement: the side's CPU over the window / the advertisements it handled in it,
 * counted from the interval (the master sends N per interval, the backup receives N), so the
 * figure includes everything else the daemon does; flat as N grows is the target.
 */

import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { AddressMonitor } from './address-monitor.js';
import { CpuWindow, rssKb, type CpuFigure } from './cpu-sampler.js';
import type { Lab } from './lab.js';
import { type Implementation, type InstanceSpec, type RunningPeer } from './peer.js';

export interface ScalePoint {
  readonly instances: number;
  readonly intervalMs: number;
}

export interface SideFigures {
  readonly cpu: CpuFigure;
  readonly rssMb: number;
  /** CPU µs per advertisement sent (master) or received (backup). */
  readonly usPerAdvert: number;
}

export interface ScaleResult {
  readonly master: SideFigures;
  readonly backup: SideFigures;
  /** Instances whose VIP was ever on both members. */
  readonly twoMasters: number;
  /** When each of them first was, ms from the start of the CPU window (< 0: while the backup started). */
  readonly twoMastersAt: readonly number[];
  /** VIPs the master held at the end of the window (of `instances`). */
  readonly masterHolds: number;
  /** Batches of address changes the monitor lost (then two masters may be undercounted). */
  readonly monitorOverruns: number;
}

/** 198.51.100.1–254, then 203.0.113.101: one documentation address per VRID. */
function vipOf(vrid: number): string {
  return vrid <= 254 ? `198.51.100.${vrid}` : `203.0.113.${vrid - 254 + 100}`;
}

function specs(count: number, priority: number, intervalMs: number): InstanceSpec[] {
  return Array.from({ length: count }, (_, i) => ({ name: `v${i + 1}`, vrid: i + 1, priority, intervalMs, vip: `${vipOf(i + 1)}/32` }));
}

function side(peer: RunningPeer, cpu: CpuFigure, adverts: number): SideFigures {
  const rssMb = peer.pids().reduce((sum, pid) => sum + rssKb(pid), 0) / 1024;
  return { cpu, rssMb, usPerAdvert: (cpu.cpuMs * 1000) / adverts };
}

export async function scale(lab: Lab, impl: Implementation, point: ScalePoint, windowMs: number): Promise<ScaleResult> {
  const { instances, intervalMs } = point;
  const [m1, m2] = [lab.member(1), lab.member(2)];
  const vips = Array.from({ length: instances }, (_, i) => vipOf(i + 1));
  const monitor = await AddressMonitor.start([m1, m2], vips);
  const stop = lab.own(() => monitor.stop());
  const peers: RunningPeer[] = [];
  try {
    const master = impl.start(m1, specs(instances, 150, intervalMs));
    peers.push(master);
    await master.ready(60_000);
    // Active_Down_Interval (< 4 intervals) and the address changes, with room for a slow start.
    const deadline = Date.now() + 4 * intervalMs + 30_000;
    for (await monitor.resync(); monitor.holding(1) < instances; await monitor.resync()) {
      if (Date.now() > deadline) throw new Error(`m1 holds ${monitor.holding(1)} of the ${instances} VIPs after ${4 * intervalMs + 30_000} ms`);
      await sleep(250);
    }
    const backup = impl.start(m2, specs(instances, 100, intervalMs));
    peers.push(backup);
    await backup.ready(60_000);
    // Past the backup's own Active_Down_Interval: had it missed the master, it would be master now.
    await sleep(4 * intervalMs + 500);
    const windowStart = performance.now();
    const windows = [new CpuWindow(master.pids()), new CpuWindow(backup.pids())];
    await sleep(windowMs);
    const [cpuMaster, cpuBackup] = windows.map((w) => w.stop()) as [CpuFigure, CpuFigure];
    await monitor.resync();
    const adverts = (instances * cpuMaster.wallMs) / intervalMs;
    return {
      master: side(master, cpuMaster, adverts),
      backup: side(backup, cpuBackup, adverts),
      twoMasters: monitor.doubled.size,
      twoMastersAt: [...monitor.doubled.values()].map((at) => at - windowStart),
      masterHolds: monitor.holding(1),
      monitorOverruns: monitor.overruns,
    };
  } finally {
    stop();
    // Backup first, so that the master's release makes no takeover.
    for (const peer of peers.reverse()) await peer.release().catch(() => peer.kill());
    await lab.clearVips(m1);
    await lab.clearVips(m2);
  }
}
