/**
 * The chaos soak: three ipfailoverd members and a client in network namespaces, one failover
 * group per family (see lab.ts), faults injected one at a time from a seeded schedule, the
 * kernel watched throughout, and the invariants checked at the end (invariants.ts). Exits 0
 * only with no violation; 1 with violations; 2 on a bad command line; 3 if the soak itself broke.
 * Removes every namespace and process it made on every way out (also Ctrl-C and SIGTERM).
 *
 *   npm run chaos -- --minutes N [--seed S] [--rogue] [--json FILE] [--kinds KIND,...] [--log-level info|debug]
 *
 * --rogue adds a fourth member with the failover IPs configured statically and no daemon: the
 * soak must then fail (it shows that the checks can fail).
 */

import { writeFileSync } from 'node:fs';
import { activeDownIntervalMs, msToIntervalCs } from '../../src/protocol/timers.js';
import { parseSoakArgs, USAGE, type SoakOptions } from './args.js';
import { sleep } from './daemon-faults.js';
import { inject } from './faults.js';
import { checkSoak } from './invariants.js';
import { DAEMON_MEMBERS, INTERVAL_MS, Lab, ROGUE_MEMBER, VIPS } from './lab.js';
import type { Bounds, FaultWindow, SoakRecord } from './model.js';
import { formatReport } from './report.js';
import { Sampler } from './sampler.js';
import { FaultPlanner, PRIORITY_RANGE } from './schedule.js';

/** Stated margin over Active_Down_Interval for a settle: scheduling on a busy 2-core machine. */
const SETTLE_MARGIN_MS = 1000;
const BOUNDS: Bounds = {
  settleMs: Math.ceil(activeDownIntervalMs(PRIORITY_RANGE[0], msToIntervalCs(INTERVAL_MS))) + SETTLE_MARGIN_MS,
  // Preemption is make-before-break: the new master adds the IP, the old one removes it when it
  // hears the new master's advertisement. 2.5 Advertisement_Intervals.
  handoverMs: 250,
  neighbourMs: 1000,
  exitGraceMs: 200,
};
const FINAL_STOP_TIMEOUT_MS = 5000;

const t0 = Date.now();
const now = (): number => Date.now() - t0;
const out = (text: string): void => void process.stdout.write(text);

let lab: Lab | undefined;
let sampler: Sampler | undefined;
let finishing: Promise<never> | undefined;

async function cleanUp(): Promise<void> {
  sampler?.stop();
  await lab?.destroy();
}

function finish(code: number, message?: string): Promise<never> {
  finishing ??= (async () => {
    if (message !== undefined) process.stderr.write(`${message}\n`);
    try {
      await cleanUp();
    } catch (error) {
      process.stderr.write(`clean-up failed: ${String(error)}\n`);
      code ||= 3;
    }
    process.exit(code);
  })();
  return finishing;
}

/** Daemon log lines within 1.5 s before and 0.3 s after `t`, oldest first. */
function logsAround(lab: Lab, t: number): string[] {
  const wall = t0 + t;
  const picked: Array<{ at: number; text: string }> = [];
  for (const { member, daemon } of lab.history) {
    daemon.raw.forEach((text, i) => {
      const time = daemon.lines[i]?.time;
      const at = typeof time === 'number' ? time : Date.parse(String(time));
      if (at >= wall - 1500 && at <= wall + 300) picked.push({ at, text: `m${member} +${at - t0} ms ${text.slice(0, 220)}` });
    });
  }
  return picked.sort((a, b) => a.at - b.at).slice(-14).map((p) => p.text);
}

async function soak(options: SoakOptions): Promise<number> {
  out(`chaos soak: seed ${options.seed} (repeat with --seed ${options.seed}), ${options.minutes} min, Advertisement_Interval ${INTERVAL_MS} ms\n`);
  lab = await Lab.create({ rogue: options.rogue, now, logLevel: options.logLevel });
  const l = lab;
  const watched = l.members.map((m) => ({ index: m.index, ns: m.ns }));
  sampler = new Sampler({ vips: VIPS, members: watched, clientNs: l.cluster.topology.client.ns, now });
  await sampler.start();
  const s = sampler;

  const windows: FaultWindow[] = [];
  const startedAt = now();
  const ready = await Promise.all(DAEMON_MEMBERS.map((m) => l.start(m)));
  windows.push({ id: 0, kind: 'startup', member: 0, detail: 'daemons started', start: startedAt, heal: Math.max(...ready), priorities: l.priorities() });
  const planner = new FaultPlanner(options.seed, { minQuietMs: BOUNDS.settleMs + BOUNDS.neighbourMs + 500, kinds: options.kinds });
  await sleep(BOUNDS.settleMs + BOUNDS.neighbourMs + 1500);

  const end = now() + options.minutes * 60_000;
  while (now() < end) {
    const planned = planner.next();
    const window = await inject(l, planned, windows.length, s.current());
    windows.push(window);
    out(`  #${window.id} ${(window.start / 1000).toFixed(1)} s ${window.kind} m${window.member}: ${window.detail}\n`);
    await sleep(planned.quietMs);
  }

  const stopAt = now();
  const stopped = await Promise.all(DAEMON_MEMBERS.map((m) => l.stop(m, 'SIGTERM', 'final-stop', FINAL_STOP_TIMEOUT_MS)));
  await sleep(BOUNDS.exitGraceMs + 100);
  const record: SoakRecord = {
    samples: s.samples,
    windows,
    exits: l.exits,
    roles: l.roles,
    daemonMembers: [...DAEMON_MEMBERS],
    macs: Object.fromEntries(l.members.map((m) => [m.index, m.mac])),
    stopAt,
    finalHolders: await s.dumpHolders(),
    stuckAtStop: DAEMON_MEMBERS.filter((_, i) => stopped[i] === false),
    soakErrors: l.errors,
  };
  s.stop();
  const verdict = checkSoak(record, BOUNDS);
  out(formatReport({ seed: options.seed, minutes: options.minutes, rogue: options.rogue, bounds: BOUNDS, windows, verdict, samples: s.samples.length, drift: s.drift, cleanup: l.hasCleanup, logsAround: (t) => logsAround(l, t) }));
  if (options.json !== undefined) {
    const faults = windows.filter((w) => w.kind !== 'startup').map((w) => w.kind);
    writeFileSync(options.json, JSON.stringify({ seed: options.seed, rogue: options.rogue, rogueMember: options.rogue ? ROGUE_MEMBER : null, bounds: BOUNDS, faults, ...verdict }, null, 2));
  }
  return verdict.violations.length === 0 ? 0 : 1;
}

process.on('SIGINT', () => void finish(130, 'chaos soak interrupted (SIGINT)'));
process.on('SIGTERM', () => void finish(143, 'chaos soak terminated (SIGTERM)'));
process.on('unhandledRejection', (error) => void finish(3, `chaos soak error: ${error instanceof Error ? error.stack : String(error)}`));

const parsed = parseSoakArgs(process.argv.slice(2), t0 % 1_000_000);
if (typeof parsed === 'string') {
  process.stderr.write(`${parsed}\n${USAGE}\n`);
  process.exit(2);
}
if (process.getuid?.() !== 0) {
  process.stderr.write('the chaos soak builds network namespaces: run it as root\n');
  process.exit(3);
}
try {
  await finish(await soak(parsed));
} catch (error) {
  await finish(3, `chaos soak error: ${error instanceof Error ? error.stack : String(error)}`);
}
