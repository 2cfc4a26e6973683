/**
 * What one scrape of the metrics endpoint costs at 255 instances (the VRID space):
 *   node dist/test/bench/metrics-scrape.js [instances] [runs]
 * The view is built from snapshots like the daemon's, with counters in use (rejects by reason, all
 * transition targets); the figure is the collector and exposition (what runs on the event loop
 * per scrape), not the HTTP round trip.
 */

import { performance } from 'node:perf_hooks';
import { MetricsCollector, type MetricsView } from '../../src/runtime/metrics-collector.js';
import { snapshot } from '../helpers/snapshots.js';

const count = Number(process.argv[2] ?? 255);
const runs = Number(process.argv[3] ?? 50);

const instances = Array.from({ length: count }, (_, i) => {
  const { sinceMonotonicMs: _since, ...rest } = snapshot({ name: `vip${i + 1}`, vrid: i + 1, state: i % 2 === 0 ? 'MASTER' : 'BACKUP' });
  return {
    ...rest,
    sinceWallMs: Date.now(),
    counters: { ...rest.counters, advertsSent: 1e6 + i, advertsReceived: 2e6 + i, announcements: 5, transitionsTo: { BACKUP: 1, MASTER: 3, FAULT: 1 }, rejected: { 'bad-checksum': 3, 'bad-ttl': 1 } },
  };
});
const view: MetricsView = { instances, sockets: [{ socket: '2/4', deaf: false, received: 1e7, unattributed: { 'unknown-vrid': 5 }, otherVersions: [], handlerErrors: 0, kernelDrops: 0 }] };
const collector = new MetricsCollector(() => view, { defaultMetrics: true });

let bytes = 0;
const times: number[] = [];
for (let i = 0; i < runs + 5; i++) {
  const start = performance.now();
  const { body } = await collector.scrape();
  const took = performance.now() - start;
  if (i >= 5) times.push(took); // warm-up: JIT, first default-metric reads
  bytes = body.length;
}
times.sort((a, b) => a - b);
const at = (q: number): string => (times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? 0).toFixed(2);
console.log(JSON.stringify({ instances: count, runs, bytes, series: view.instances.length, medianMs: at(0.5), p90Ms: at(0.9), maxMs: at(1) }));
