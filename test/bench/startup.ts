/**
 * Start-up: from the process start (the spawn of `ip netns exec …`) to ready — ipfailoverd's
 * "status socket ready" (READY=1 follows at once), keepalived's first state of its one instance
 * — and the resident memory of the daemon's processes a second later, with one instance.
 */

import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { rssKb } from './cpu-sampler.js';
import type { Lab } from './lab.js';
import type { Implementation } from './peer.js';

export interface StartupRun {
  readonly readyMs: number;
  readonly rssMb: number;
}

export async function startups(lab: Lab, impl: Implementation, trials: number): Promise<StartupRun[]> {
  const runs: StartupRun[] = [];
  const member = lab.member(1);
  for (let trial = 0; trial < trials; trial++) {
    const started = performance.now();
    const peer = impl.start(member, [{ name: 'web', vrid: 70, priority: 100, intervalMs: 1000, vip: '203.0.113.70/32' }]);
    try {
      await peer.ready(30_000);
      const readyMs = performance.now() - started;
      await sleep(1000);
      runs.push({ readyMs, rssMb: peer.pids().reduce((sum, pid) => sum + rssKb(pid), 0) / 1024 });
    } finally {
      await peer.kill();
      await lab.clearVips(member);
    }
  }
  return runs;
}
