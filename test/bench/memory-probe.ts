/**
 * Preloaded into a daemon by the memory benchmark (node --import): every 2 s, one JSON line on
 * stderr with process.memoryUsage() and V8's heap spaces, in MB. Not part of the daemon.
 */

import { getHeapCodeStatistics, getHeapSpaceStatistics, writeHeapSnapshot } from 'node:v8';

const MB = 1024 * 1024;
const round = (bytes: number): number => Math.round((bytes / MB) * 10) / 10;

const timer = setInterval(() => {
  const usage = process.memoryUsage();
  const spaces = Object.fromEntries(getHeapSpaceStatistics().map((s) => [s.space_name.replace('_space', ''), round(s.space_size)]));
  const code = getHeapCodeStatistics();
  const line = {
    memoryProbe: true,
    rss: round(usage.rss),
    heapTotal: round(usage.heapTotal),
    heapUsed: round(usage.heapUsed),
    external: round(usage.external),
    arrayBuffers: round(usage.arrayBuffers),
    codeAndMetadata: round(code.code_and_metadata_size + code.bytecode_and_metadata_size),
    spaces,
  };
  process.stderr.write(`${JSON.stringify(line)}\n`);
}, 2000);
timer.unref();

// IPFO_HEAP_SNAPSHOT=DIR: one heap snapshot there after IPFO_HEAP_SNAPSHOT_AFTER_MS (default 30 s).
const snapshotDir = process.env.IPFO_HEAP_SNAPSHOT;
if (snapshotDir !== undefined) {
  const after = Number(process.env.IPFO_HEAP_SNAPSHOT_AFTER_MS ?? 30_000);
  setTimeout(() => {
    const file = writeHeapSnapshot(`${snapshotDir}/ipfailoverd-${process.pid}.heapsnapshot`);
    process.stderr.write(`${JSON.stringify({ memoryProbe: true, heapSnapshot: file })}\n`);
  }, after).unref();
}
