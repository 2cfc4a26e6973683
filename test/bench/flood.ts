/**
 * Benchmark: a flood of hostile VRRP datagrams at a master/backup pair, on a busy machine.
 * Prints figures; asserts nothing.
 *
 *   node dist/test/bench/flood.js [--seconds 10] [--rate 20000] [--instances 3] [--interval 100]
 *                                 [--runs 1] [--node-options '...'] [--no-stress] [--sender-nice -10]
 *
 * Members m1 (master, priority 200) and m2 (backup, priority 100) on one bridge, each with
 * --instances IPv4 and as many IPv6 instances at --interval ms, started as the unit starts them
 * (NODE_OPTIONS and Nice= from systemd/ipfailoverd.service; --node-options replaces the unit's).
 * A third namespace sends the frames of flood-frames.ts (unknown VRIDs, bad checksums, wrong
 * TTL, lower-priority adverts from a non-member) to both VRRP groups at --rate frames a second
 * for --seconds, from a child process (flood-sender.ts), while stress-ng keeps every core busy.
 *
 * It talks to the daemons only through the network and their status sockets, so it measures
 * any receive path. Printed per run:
 *   - false takeovers: transitions counted by either daemon during the flood (status counters),
 *     instances seen in the wrong state or MASTER on both sides in the 10 ms status samples, and
 *     failover addresses added on the backup's / removed from the master's eth0 (ip monitor);
 *   - datagrams: frames the sender really sent (and its real rate), what each daemon counted
 *     (advertisements accepted + drops by reason, from status), the backup's share of the
 *     master's advertisements heard, and the kernel's drops at the raw sockets (/proc/net/raw*);
 *   - RSS of each daemon before the flood, its peak during it, and 5 s after.
 */

import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { NsProcess } from '../integration/helpers/topology.js';
import { floodFrames, FLOOD_KINDS, type FloodFrame } from './flood-frames.js';
import { rawDrops, type RawDrops } from './kernel-drops.js';
import { memoryOf } from './proc-stats.js';
import { ipv4Address, ipv4Instance, ipv6Address, ipv6Instance, ShippedPair, type ShippedDaemon, type StatusInstance } from './shipped-lab.js';
import { readUnitLaunch } from './unit-options.js';

const SENDER = fileURLToPath(new URL('./flood-sender.js', import.meta.url));
const SAMPLE_MS = 10;
const RSS_SAMPLE_MS = 100;
const AFTER_MS = 5000;

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    rate: { type: 'string', default: '20000' },
    instances: { type: 'string', default: '3' },
    interval: { type: 'string', default: '100' },
    runs: { type: 'string', default: '1' },
    'node-options': { type: 'string' },
    'no-stress': { type: 'boolean', default: false },
    'sender-nice': { type: 'string', default: '-10' },
  },
});
const SECONDS = Number(values.seconds);
const RATE = Number(values.rate);
const INSTANCES = Number(values.instances);
const INTERVAL_MS = Number(values.interval);
const unit = readUnitLaunch();
const launch = { nodeOptions: values['node-options'] ?? unit.nodeOptions, nice: unit.nice, env: unit.env };

const V4_VRIDS = Array.from({ length: INSTANCES }, (_, i) => i + 1);
const V6_VRIDS = Array.from({ length: INSTANCES }, (_, i) => i + 101);

/** Datagram counts of one daemon, summed over its instances (see counted()). */
interface Counts {
  transitions: number;
  accepted: number;
  rejected: number;
  advertsSent: number;
  byName: Map<string, { advertsReceived: number; advertsSent: number }>;
  /** Receive counts outside the instances, if the status reports any (keys naming them). */
  outside: number;
}

function sumValues(table: unknown): number {
  if (typeof table !== 'object' || table === null) return 0;
  return Object.values(table).reduce((sum: number, value) => sum + (typeof value === 'number' ? value : 0), 0);
}

/**
 * Counts from a status reply: what each instance accepted and dropped, and what the receive
 * sockets dropped before any instance could be named (`sockets[].unattributed`, e.g. unknown
 * VRIDs), so that every datagram read is accounted for.
 */
function counted(reply: Record<string, unknown>): Counts {
  const counts: Counts = { transitions: 0, accepted: 0, rejected: 0, advertsSent: 0, byName: new Map(), outside: 0 };
  for (const instance of reply.instances as StatusInstance[]) {
    const c = instance.counters as { transitions: number; advertsReceived: number; advertsSent: number; rejected: unknown };
    counts.transitions += c.transitions;
    counts.accepted += c.advertsReceived;
    counts.advertsSent += c.advertsSent;
    counts.rejected += sumValues(c.rejected);
    counts.byName.set(instance.name, { advertsReceived: c.advertsReceived, advertsSent: c.advertsSent });
  }
  for (const socket of (reply.sockets as Array<{ unattributed: unknown }> | undefined) ?? []) counts.outside += sumValues(socket.unattributed);
  return counts;
}

async function statusReply(daemon: ShippedDaemon): Promise<Record<string, unknown>> {
  const { sendRequest } = await import('../../src/control/client.js');
  return sendRequest(daemon.socket, { cmd: 'status' });
}

/** A state as printed: FAULT with its faults. */
function label(instance: StatusInstance): string {
  return instance.state === 'FAULT' ? `FAULT(${instance.faults.join(',')})` : instance.state;
}

/** Every 10 ms, both sides' states: wrong states and dual masters, per instance name. */
class StateSampler {
  samples = 0;
  failed = 0;
  readonly wrong = new Map<string, number>();
  readonly dual = new Map<string, number>();
  private running = true;
  private readonly done: Promise<void>;

  constructor(master: ShippedDaemon, backup: ShippedDaemon) {
    this.done = (async () => {
      while (this.running) {
        const started = Date.now();
        const [m, b] = await Promise.all([master.status().catch(() => null), backup.status().catch(() => null)]);
        if (m === null || b === null) this.failed++;
        else this.take(m, b);
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, SAMPLE_MS - (Date.now() - started))));
      }
    })();
  }

  private take(master: StatusInstance[], backup: StatusInstance[]): void {
    this.samples++;
    const backupOf = new Map(backup.map((i) => [i.name, i]));
    for (const instance of master) {
      const other = backupOf.get(instance.name);
      if (instance.state !== 'MASTER') this.note(this.wrong, `m1 ${instance.name} ${label(instance)}`);
      if (other?.state !== 'BACKUP') this.note(this.wrong, `m2 ${instance.name} ${other === undefined ? 'missing' : label(other)}`);
      if (instance.state === 'MASTER' && other?.state === 'MASTER') this.note(this.dual, instance.name);
    }
  }

  private note(table: Map<string, number>, key: string): void {
    table.set(key, (table.get(key) ?? 0) + 1);
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.done;
  }
}

/** The memory probe's line (memory-probe.ts) with the largest RSS, if the daemon runs the probe. */
function largestProbe(lines: readonly string[]): string | undefined {
  let best: { rss: number; line: string } | undefined;
  for (const line of lines) {
    if (!line.includes('"memoryProbe"')) continue;
    const rss = (JSON.parse(line) as { rss?: number }).rss;
    if (rss !== undefined && (best === undefined || rss > best.rss)) best = { rss, line };
  }
  return best?.line;
}

/** RSS of a daemon every 100 ms: the peak during the flood. */
class RssSampler {
  peakMb = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(pid: number) {
    this.timer = setInterval(() => {
      const memory = memoryOf(pid);
      if (memory !== undefined) this.peakMb = Math.max(this.peakMb, memory.rssMb);
    }, RSS_SAMPLE_MS);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/** Failover addresses appearing (on the backup) or going (from the master): ip monitor's lines. */
function addressMonitor(ns: string): NsProcess {
  return new NsProcess(ns, ['ip', '-o', 'monitor', 'address', 'dev', 'eth0']);
}

function failoverChanges(monitor: NsProcess, deleted: boolean): string[] {
  return monitor.raw.filter((line) => /(203\.0\.113\.|2001:db8::)/.test(line) && line.startsWith('Deleted') === deleted);
}

/** Family counts of the frames sent: the sender goes round-robin over the list. */
function sentByFamily(frames: readonly FloodFrame[], sent: number): { ipv4: number; ipv6: number } {
  const rounds = Math.floor(sent / frames.length);
  const rest = frames.slice(0, sent % frames.length);
  const count = (family: 4 | 6, list: readonly FloodFrame[]) => list.filter((f) => f.family === family).length;
  return { ipv4: rounds * count(4, frames) + count(4, rest), ipv6: rounds * count(6, frames) + count(6, rest) };
}

const fmt = (value: number, digits = 1): string => value.toFixed(digits);

async function runOnce(run: number): Promise<void> {
  const pair = await ShippedPair.create('ipfo-flood', true);
  let stress: ReturnType<typeof spawnStress> = null;
  try {
    const instances = (priority: number) => [
      ...V4_VRIDS.map((v) => ipv4Instance(v, priority, INTERVAL_MS)),
      ...V6_VRIDS.map((v) => ipv6Instance(v, priority, INTERVAL_MS)),
    ];
    const master = pair.start(1, instances(200), launch);
    const all = V4_VRIDS.length + V6_VRIDS.length;
    if ((await master.settled('MASTER', all, 30_000)) !== all) throw new Error(`m1 did not become master of all ${all} instances`);
    const backup = pair.start(2, instances(100), launch);
    if ((await backup.settled('BACKUP', all, 30_000)) !== all) throw new Error(`m2 did not settle as backup of all ${all} instances`);

    const frames = floodFrames([
      { family: 4, vrids: V4_VRIDS, intervalCs: INTERVAL_MS / 10, addressOf: ipv4Address },
      { family: 6, vrids: V6_VRIDS, intervalCs: INTERVAL_MS / 10, addressOf: ipv6Address },
    ]);
    const framesFile = join(pair.cluster.directory, 'flood-frames.hex');
    writeFileSync(framesFile, frames.map((f) => Buffer.from(f.frame).toString('hex')).join('\n'));

    stress = spawnStress();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const load = loadavg()[0] as number;

    const monitors = { master: addressMonitor(master.ns), backup: addressMonitor(backup.ns) };
    const before = { m: counted(await statusReply(master)), b: counted(await statusReply(backup)) };
    const dropsBefore = { m: await rawDrops(master.ns), b: await rawDrops(backup.ns) };
    const rssBefore = { m: memoryOf(master.pid)?.rssMb ?? NaN, b: memoryOf(backup.pid)?.rssMb ?? NaN };
    const states = new StateSampler(master, backup);
    const rss = { m: new RssSampler(master.pid), b: new RssSampler(backup.pid) };

    const flooder = pair.cluster.member(3).ns;
    // Niced up: on a loaded 2-core machine a sender at nice 0 reaches well under 20,000 a second.
    const sender = new NsProcess(flooder, ['nice', '-n', String(values['sender-nice']), process.execPath, SENDER, String(RATE), String(SECONDS), framesFile]);
    const result = await sender.waitLine({ done: true }, (SECONDS + 30) * 1000);
    // A moment for the last datagrams to be read and any late takeover to show.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await states.stop();
    rss.m.stop();
    rss.b.stop();
    const after = { m: counted(await statusReply(master)), b: counted(await statusReply(backup)) };
    const dropsAfter = { m: await rawDrops(master.ns), b: await rawDrops(backup.ns) };
    stress?.kill();
    stress = null;
    await new Promise((resolve) => setTimeout(resolve, AFTER_MS));
    const rssAfter = { m: memoryOf(master.pid)?.rssMb ?? NaN, b: memoryOf(backup.pid)?.rssMb ?? NaN };

    const sent = Number(result.sent);
    const byFamily = sentByFamily(frames, sent);
    const transitions = { m: after.m.transitions - before.m.transitions, b: after.b.transitions - before.b.transitions };
    const added = failoverChanges(monitors.backup, false);
    const removed = failoverChanges(monitors.master, true);
    monitors.master.kill('SIGKILL');
    monitors.backup.kill('SIGKILL');
    const falseTakeover = transitions.m + transitions.b > 0 || states.dual.size > 0 || states.wrong.size > 0 || added.length > 0 || removed.length > 0;

    // Accepted advertisements: the peer's (m1's are heard by m2) and the flood's low-priority
    // ones, which pass every receive check and are then discarded by the state machine.
    const lowPriority = frames.filter((f) => f.kind === 'low-priority').length / frames.length;
    const spoken = { m: after.m.advertsSent - before.m.advertsSent, b: after.b.advertsSent - before.b.advertsSent };
    const drops = (a: RawDrops, b: RawDrops) => `IPv4 ${a.ipv4 - b.ipv4}, IPv6 ${a.ipv6 - b.ipv6}`;
    const countedBy = (a: Counts, b: Counts) => {
      const accepted = a.accepted - b.accepted;
      const rejected = a.rejected - b.rejected;
      const outside = a.outside - b.outside;
      return `${accepted + rejected + outside} (accepted ${accepted}, dropped by reason ${rejected}, outside instances ${outside})`;
    };

    console.log(`run ${run}: ${SECONDS} s at ${RATE} frames/s, ${INSTANCES} IPv4 + ${INSTANCES} IPv6 instances at ${INTERVAL_MS} ms, load average ${fmt(load, 2)} (${cpus().length} cores)${stress === null && values['no-stress'] ? ', no stress' : ''}`);
    console.log(`  false takeover:      ${falseTakeover ? 'YES' : 'no'}  (transitions m1 ${transitions.m}, m2 ${transitions.b}; dual-master instances ${states.dual.size}; instance-samples in a wrong state ${[...states.wrong.values()].reduce((a, b) => a + b, 0)} (${states.samples} samples)${states.failed > 0 ? `, ${states.failed} failed` : ''}; addresses added on m2 ${added.length}, removed from m1 ${removed.length})`);
    if (states.wrong.size > 0) console.log(`    wrong states: ${[...states.wrong].map(([k, v]) => `${k} ×${v}`).join(', ')}`);
    console.log(`  sender:              ${sent} frames sent (IPv4 ${byFamily.ipv4}, IPv6 ${byFamily.ipv6}) in ${fmt(Number(result.seconds), 2)} s = ${fmt(Number(result.rate), 0)} frames/s; send errors ${JSON.stringify(result.errors)}`);
    console.log(`    mix per round:     ${FLOOD_KINDS.map((k) => `${k} ${frames.filter((f) => f.kind === k).length}`).join(', ')} of ${frames.length} frames`);
    console.log(`  counted by m1:       ${countedBy(after.m, before.m)}`);
    console.log(`  counted by m2:       ${countedBy(after.b, before.b)}`);
    console.log(`  to accept if none lost: m1 ${Math.round(sent * lowPriority) + spoken.b}, m2 ${Math.round(sent * lowPriority) + spoken.m} (low-priority flood frames + the peer's ${spoken.b} / ${spoken.m} advertisements)`);
    console.log(`  to count if none lost: ${sent + spoken.b} / ${sent + spoken.m} datagrams (every frame sent, plus the peer's advertisements)`);
    console.log(`  kernel drops:        m1 ${drops(dropsAfter.m, dropsBefore.m)}; m2 ${drops(dropsAfter.b, dropsBefore.b)}`);
    console.log(`  RSS MB before/peak/after: m1 ${fmt(rssBefore.m)} / ${fmt(rss.m.peakMb)} / ${fmt(rssAfter.m)}; m2 ${fmt(rssBefore.b)} / ${fmt(rss.b.peakMb)} / ${fmt(rssAfter.b)}`);
    // With --node-options '... --import=dist/test/bench/memory-probe.js': where the peak went.
    for (const [name, daemon] of [['m1', master], ['m2', backup]] as const) {
      const peak = largestProbe(daemon.raw);
      if (peak !== undefined) console.log(`  ${name} at its largest: ${peak}`);
    }
  } finally {
    stress?.kill();
    await pair.destroy();
  }
}

/**
 * stress-ng on every core, host side (the CPU is shared by all namespaces), or null. Its own
 * process group, so that one kill stops its workers too; --timeout in case we die first.
 */
function spawnStress(): { kill(): void } | null {
  if (values['no-stress']) return null;
  if (spawnSync('stress-ng', ['--version']).status !== 0) {
    console.log('stress-ng is not installed: the machine is not loaded (apt-get install stress-ng)');
    return null;
  }
  const child = spawn('stress-ng', ['--cpu', '0', '--timeout', '600'], { detached: true, stdio: 'ignore' });
  return { kill: () => process.kill(-(child.pid as number), 'SIGKILL') };
}

console.log(`flood: NODE_OPTIONS="${launch.nodeOptions}" Nice=${launch.nice} (${values['node-options'] === undefined ? 'from the unit' : 'from --node-options'})${Object.keys(unit.env).length > 0 ? `; env ${Object.entries(unit.env).map(([k, v]) => `${k}=${v}`).join(' ')}` : ''}; node ${process.version}`);
for (let run = 1; run <= Number(values.runs); run++) await runOnce(run);
