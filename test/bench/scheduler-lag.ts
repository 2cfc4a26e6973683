/**
 * Benchmark: the scheduler alone, on the real clock. Prints figures; asserts nothing.
 *
 *   node dist/test/bench/scheduler-lag.js [secondsPerCase]
 *
 * Workload per simulated instance, as a daemon with N instances would have it:
 *   - an `adver` deadline every 100 ms, re-armed on firing at (fired time + 100 ms), coarse;
 *   - an `activeDown` deadline, precise, re-armed to (now + Active_Down_Interval) each time the
 *     instance "receives" an advertisement (the adver firing of its neighbour, i+1 mod N), as a
 *     Backup does; now and then the neighbour falls silent for 4 intervals, so the deadline fires.
 * Lag = (time the callback ran) − (deadline), per fired deadline, for precise and coarse ones.
 * CPU = process.cpuUsage() (user + system) per second of wall time.
 *
 * Modes: the Scheduler as the daemon uses it; the Scheduler with every deadline coarse (what
 * the spin window buys); and a plain setTimeout per deadline (the baseline).
 */

import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Scheduler } from '../../src/runtime/scheduler.js';
import { activeDownIntervalMs } from '../../src/protocol/timers.js';
import { seededRandom } from '../helpers/random.js';

const INTERVAL_MS = 100;
const INTERVAL_CS = INTERVAL_MS / 10;
const SILENT_ADVERTS = 4; // 400 ms without an advertisement > any Active_Down_Interval at 100 ms (≤ 399.6 ms)
const SIZES = [1, 10, 100, 255];
const SECONDS = Number(process.argv[2] ?? 4);

interface Timers {
  now(): number;
  schedule(key: string, at: number, fire: (now: number) => void, precise: boolean): void;
  stop(): void;
}

function schedulerTimers(allCoarse: boolean): Timers {
  const scheduler = new Scheduler();
  return {
    now: () => scheduler.now(),
    schedule: (key, at, fire, precise) => scheduler.schedule(key, at, fire, precise && !allCoarse),
    stop: () => scheduler.clear(),
  };
}

function plainTimers(): Timers {
  const handles = new Map<string, NodeJS.Timeout>();
  return {
    now: () => performance.now(),
    schedule(key, at, fire) {
      const old = handles.get(key);
      if (old !== undefined) clearTimeout(old);
      handles.set(
        key,
        setTimeout(() => {
          handles.delete(key);
          fire(performance.now());
        }, Math.max(0, at - performance.now())),
      );
    },
    stop() {
      for (const handle of handles.values()) clearTimeout(handle);
      handles.clear();
    },
  };
}

interface Result {
  precise: number[];
  coarse: number[];
  cpuMsPerS: number;
  seconds: number;
}

async function runCase(n: number, timers: Timers, seconds: number): Promise<Result> {
  const random = seededRandom(0x5eed + n);
  const precise: number[] = [];
  const coarse: number[] = [];
  // Enough fired activeDown deadlines to measure, without turning the run into one long failover.
  const silenceChance = Math.min(0.5, 5 / n);
  const instances = Array.from({ length: n }, (_, i) => ({
    i,
    downMs: activeDownIntervalMs(n === 1 ? 100 : 1 + Math.floor(random() * 254), INTERVAL_CS),
    silent: 0,
  }));
  let measuring = false;
  let running = true;

  const receive = (inst: (typeof instances)[number], now: number): void => {
    if (inst.silent > 0) {
      inst.silent--;
      return;
    }
    if (random() < silenceChance) {
      inst.silent = SILENT_ADVERTS - 1;
      return;
    }
    const at = now + inst.downMs;
    timers.schedule(`${inst.i}/activeDown`, at, (firedAt) => {
      if (measuring) precise.push(firedAt - at);
    }, true);
  };
  const adver = (inst: (typeof instances)[number], at: number): void => {
    timers.schedule(`${inst.i}/adver`, at, (firedAt) => {
      if (!running) return;
      if (measuring) coarse.push(firedAt - at);
      receive(instances[(inst.i + 1) % n] as (typeof instances)[number], firedAt);
      adver(inst, firedAt + INTERVAL_MS);
    }, false);
  };

  const start = timers.now();
  for (const inst of instances) adver(inst, start + random() * INTERVAL_MS);
  // One second of warm-up (JIT, every deadline armed), then the measured part.
  await sleep(1000);
  measuring = true;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await sleep(seconds * 1000);
  measuring = false;
  const cpu = process.cpuUsage(cpu0);
  const wall = (performance.now() - t0) / 1000;
  running = false;
  timers.stop();
  return { precise, coarse, cpuMsPerS: (cpu.user + cpu.system) / 1000 / wall, seconds: wall };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
}

/** Lag beyond this is more than a loop turn or two: the deadline was not met precisely. */
const LATE_MS = 0.1;

function stats(values: readonly number[]): string {
  if (values.length === 0) return pad('-', 7) + pad('-', 8) + pad('-', 8) + pad('-', 8) + pad('-', 7);
  const sorted = [...values].sort((a, b) => a - b);
  const f = (v: number) => v.toFixed(3);
  const late = values.filter((v) => v > LATE_MS).length / values.length;
  return (
    pad(String(values.length), 7) + pad(f(quantile(sorted, 0.5)), 8) + pad(f(quantile(sorted, 0.99)), 8) + pad(f(sorted.at(-1) as number), 8) +
    pad(`${(late * 100).toFixed(0)}%`, 7)
  );
}

function pad(text: string, width: number): string {
  return text.padStart(width);
}

async function main(): Promise<void> {
  const modes: Array<[string, () => Timers]> = [
    ['scheduler', () => schedulerTimers(false)],
    ['sched-coarse', () => schedulerTimers(true)],
    ['setTimeout', () => plainTimers()],
  ];
  console.log(`scheduler-lag: node ${process.version}, ${SECONDS} s per case after 1 s warm-up; lags in ms (callback time − deadline)`);
  console.log(`per instance: adver every ${INTERVAL_MS} ms (coarse) + activeDown re-armed on each received advert (precise in 'scheduler' mode)`);
  console.log(`>0.1: share of deadlines that ran more than ${LATE_MS} ms late; CPU: user+system ms per second of run`);
  console.log(`load average before: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log('');
  const header =
    pad('N', 4) + '  ' + 'mode'.padEnd(13) +
    ' | activeDown' + ' '.repeat(28) +
    ' | adver (coarse)' + ' '.repeat(23) +
    ' | CPU';
  console.log(header);
  console.log(
    pad('', 4) + '  ' + ''.padEnd(13) +
    ' | ' + pad('fired', 7) + pad('p50', 8) + pad('p99', 8) + pad('max', 8) + pad('>0.1', 7) +
    ' | ' + pad('fired', 7) + pad('p50', 8) + pad('p99', 8) + pad('max', 8) + pad('>0.1', 7) +
    ' | ms/s',
  );
  for (const n of SIZES) {
    for (const [name, make] of modes) {
      const result = await runCase(n, make(), SECONDS);
      console.log(
        pad(String(n), 4) + '  ' + name.padEnd(13) +
        ' | ' + stats(result.precise) + ' | ' + stats(result.coarse) + ' | ' + pad(result.cpuMsPerS.toFixed(1), 5),
      );
    }
  }
  console.log(`load average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
}

await main();
