/**
 * Benchmark: takeover time of real daemons, measured on the wire. Prints figures; asserts nothing.
 *
 *   node dist/test/bench/takeover.js            (root: builds network namespaces)
 *
 * Three members on one bridge; m1 and m2 have the priority under test, m3 a lower one (it only
 * watches, and must never win). The master is stopped — SIGKILL, or SIGTERM (a graceful stop:
 * priority-0 advertisement, §6.4.3) — and the other one takes over; the stopped one is restarted
 * as a Backup and the roles swap for the next run.
 *
 * tcpdump in the client namespace (nanosecond timestamps, taken as the frames reach the client):
 *   takeover = first advertisement from the new master − last advertisement from the old one;
 *   limit    = Active_Down_Interval of the new master (SIGKILL: its timer was reset by that last
 *              advertisement), or its Skew_Time (graceful: the last one is the priority-0 release);
 *   overhead = takeover − limit: all that the implementation adds (receive path, timer lag,
 *              transition, send path);
 *   ARP−adv  = first gratuitous ARP from the new master's MAC − its first advertisement
 *              (the announcement is to be on the wire within 1 ms of the transition).
 */

import { performance } from 'node:perf_hooks';
import { loadavg } from 'node:os';
import { activeDownIntervalMs, skewTimeMs } from '../../src/protocol/timers.js';
import { Cluster, webInstance, type Daemon, type InstanceJson } from '../integration/helpers/cluster.js';
import { NsProcess } from '../integration/helpers/topology.js';

const VIP = '203.0.113.10';

interface Scenario {
  readonly intervalMs: number;
  readonly priority: number;
  /** m3's priority: lower, so that it never wins. */
  readonly bystander: number;
  readonly reps: number;
}

const SCENARIOS: readonly Scenario[] = [
  { intervalMs: 100, priority: 100, bystander: 50, reps: 10 },
  { intervalMs: 100, priority: 254, bystander: 100, reps: 10 },
  { intervalMs: 1000, priority: 100, bystander: 50, reps: 3 },
  { intervalMs: 1000, priority: 254, bystander: 100, reps: 3 },
];

type StopKind = 'SIGKILL' | 'graceful';
const KINDS: readonly StopKind[] = ['SIGKILL', 'graceful'];

interface Packet {
  /** ms since the first frame captured (from tcpdump's nanosecond timestamps). */
  readonly t: number;
  /** Wall-clock ms (µs resolution), to compare with the daemon's decidedAtMs. */
  readonly wallMs: number;
  readonly srcMac: string;
  readonly kind: 'vrrp' | 'arp';
  readonly srcIp?: string;
  readonly vrid?: number;
  readonly prio?: number;
  readonly text: string;
}

/** tcpdump -e -nn -tt --time-stamp-precision=nano, parsed as lines arrive. */
class WireCapture extends NsProcess {
  readonly packets: Packet[] = [];
  private parsed = 0;
  private base: bigint | null = null;

  constructor(ns: string) {
    super(ns, ['tcpdump', '-i', 'eth0', '-l', '-nn', '-e', '-tt', '--time-stamp-precision=nano', 'ip proto 112 or arp']);
  }

  async ready(): Promise<void> {
    await this.until(() => (this.raw.some((line) => line.includes('listening on')) ? true : undefined), 5000, 'tcpdump to listen');
  }

  update(): Packet[] {
    for (; this.parsed < this.raw.length; this.parsed++) {
      const line = this.raw[this.parsed] as string;
      const head = /^(\d+)\.(\d{9}) ([0-9a-f:]{17}) > [0-9a-f:]{17}, ethertype (IPv4|ARP)[^:]*: (.*)$/.exec(line);
      if (head === null) continue;
      const ns = BigInt(head[1] as string) * 1_000_000_000n + BigInt(head[2] as string);
      this.base ??= ns;
      const t = Number(ns - this.base) / 1e6;
      const wallMs = Number(ns / 1000n) / 1000;
      const rest = head[5] as string;
      if (head[4] === 'ARP') {
        this.packets.push({ t, wallMs, srcMac: head[3] as string, kind: 'arp', text: rest });
        continue;
      }
      const vrrp = /^(\S+) > \S+: VRRPv3, Advertisement, vrid (\d+), prio (\d+)/.exec(rest);
      if (vrrp === null) continue;
      this.packets.push({ t, wallMs, srcMac: head[3] as string, kind: 'vrrp', srcIp: vrrp[1] as string, vrid: Number(vrrp[2]), prio: Number(vrrp[3]), text: rest });
    }
    return this.packets;
  }

  async until<T>(probe: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      this.update();
      const value = probe();
      if (value !== undefined) return value;
      if (performance.now() > deadline) throw new Error(`capture: timed out after ${timeoutMs} ms waiting for ${what}; last lines:\n${this.raw.slice(-8).join('\n')}`);
      await sleep(10);
    }
  }
}

interface Run {
  readonly takeover: number;
  readonly overhead: number;
  /** First gratuitous ARP from the new master − its first advertisement (ms). */
  readonly arpDelta: number | null;
  /** First gratuitous ARP on the wire − the decision (timer fired or packet handled). */
  readonly decisionToArp: number | null;
  readonly note: string;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function triple(values: readonly number[], digits = 3): string {
  if (values.length === 0) return '-';
  return `${Math.min(...values).toFixed(digits)} / ${median(values).toFixed(digits)} / ${Math.max(...values).toFixed(digits)}`;
}

async function stopped(daemon: Daemon): Promise<void> {
  if (daemon.child.exitCode === null && daemon.child.signalCode === null) daemon.kill('SIGKILL');
  await daemon.exited;
}

async function runScenario(cluster: Cluster, capture: WireCapture, scenario: Scenario, vrid: number): Promise<Map<StopKind, Run[]>> {
  const { intervalMs, priority, bystander, reps } = scenario;
  const cs = intervalMs / 10;
  const extra = { log: { level: 'info' } };
  const config = (prio: number): InstanceJson[] => [
    webInstance({ vrid, priority: prio, advertIntervalMs: intervalMs, announce: { count: 3, intervalMs: 50, refreshIntervalMs: 0 } }),
  ];
  const downMs = activeDownIntervalMs(priority, cs);
  const skewMs = skewTimeMs(priority, cs);
  const follow = async (daemon: Daemon): Promise<void> => {
    await daemon.waitState('BACKUP', 10_000);
    // One advertisement received at least: it follows the master from now on.
    await sleep(intervalMs * 1.5 + 100);
  };

  const first = cluster.start(1, config(priority), extra);
  await first.waitState('MASTER', downMs + 10_000);
  await Promise.all([follow(cluster.start(2, config(priority), extra)), follow(cluster.start(3, config(bystander), extra))]);

  const results = new Map<StopKind, Run[]>();
  let master = 1;
  for (const kind of KINDS) {
    const runs: Run[] = [];
    results.set(kind, runs);
    for (let rep = 0; rep < reps; rep++) {
      const taker = master === 1 ? 2 : 1;
      const old = cluster.member(master);
      const next = cluster.member(taker);
      const takerDaemon = cluster.daemon(taker);
      const bystanderLines = cluster.daemon(3).lines.length;
      const fromLine = takerDaemon.lines.length;
      const mark = capture.update().length;
      const oldDaemon = cluster.daemon(master);
      oldDaemon.kill(kind === 'SIGKILL' ? 'SIGKILL' : 'SIGTERM');
      const decision = await takerDaemon.waitState('MASTER', downMs + 5000, { from: fromLine });
      const decidedAtMs = Number(decision.decidedAtMs);
      await oldDaemon.exited;
      const isFrom = (p: Packet, ip: string) => p.kind === 'vrrp' && p.vrid === vrid && p.srcIp === ip;
      const firstNewIndex = await capture.until(
        () => {
          const i = capture.packets.findIndex((p, index) => index >= mark && isFrom(p, next.ipv4) && (p.prio ?? 0) > 0);
          return i >= 0 ? i : undefined;
        },
        3000,
        `the first advertisement from ${next.ipv4}`,
      );
      const firstNew = capture.packets[firstNewIndex] as Packet;
      let arp: Packet | undefined;
      try {
        arp = await capture.until(
          () => capture.packets.find((p, index) => index >= mark && p.kind === 'arp' && p.srcMac === next.mac && p.text.includes(VIP)),
          1000,
          `a gratuitous ARP from ${next.mac}`,
        );
      } catch {
        arp = undefined;
      }
      let lastOld: Packet | undefined;
      for (let i = firstNewIndex - 1; i >= 0; i--) {
        const p = capture.packets[i] as Packet;
        if (isFrom(p, old.ipv4)) {
          lastOld = p;
          break;
        }
      }
      const notes: string[] = [];
      if (lastOld === undefined) throw new Error(`no advertisement from ${old.ipv4} before the takeover`);
      if (kind === 'graceful' && lastOld.prio !== 0) notes.push(`last advert from the old master had prio ${lastOld.prio}, not 0`);
      const limit = kind === 'SIGKILL' ? downMs : skewMs;
      const takeover = firstNew.t - lastOld.t;
      if (cluster.daemon(3).lines.slice(bystanderLines).some((line) => line.to === 'MASTER')) notes.push('m3 became master');
      runs.push({
        takeover,
        overhead: takeover - limit,
        arpDelta: arp === undefined ? null : arp.t - firstNew.t,
        decisionToArp: arp === undefined ? null : arp.wallMs - decidedAtMs,
        note: notes.join('; '),
      });

      // The stopped one comes back as a Backup; the roles swap for the next run.
      await follow(cluster.start(master, config(priority), extra));
      master = taker;
    }
  }
  for (const daemon of cluster.daemons.values()) await stopped(daemon);
  return results;
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) {
    console.error('takeover benchmark: needs root (network namespaces)');
    process.exitCode = 1;
    return;
  }
  const started = performance.now();
  const load0 = loadavg();
  const cluster = await Cluster.create(3, 'ipfo-bn');
  let capture: WireCapture | null = null;
  const interrupted = () => {
    void cluster.destroy().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    capture = new WireCapture(cluster.topology.client.ns);
    await capture.ready();
    console.log(`takeover: node ${process.version}, 3 members (m1, m2 at the priority under test, m3 lower), tcpdump on the client, ms`);
    console.log(`load average before: ${load0.map((l) => l.toFixed(2)).join(' ')}`);
    console.log('overhead = takeover − limit; ARP−adv = first gratuitous ARP − first advertisement of the new master (both on the wire)');
    console.log("dec→ARP = first gratuitous ARP on the wire − the new master's decision (its timer or packet, logged as decidedAtMs; same wall clock)");
    console.log('');
    const rows: string[][] = [['interval', 'prio', 'stop', 'limit', 'n', 'takeover min / med / max', 'overhead min / med / max', 'ARP−adv min / med / max', 'dec→ARP min / med / max', 'dec→ARP>1ms']];
    const perRun: string[] = [];
    let vrid = 51;
    for (const scenario of SCENARIOS) {
      const results = await runScenario(cluster, capture, scenario, vrid++);
      for (const [kind, runs] of results) {
        const cs = scenario.intervalMs / 10;
        const limit = kind === 'SIGKILL' ? activeDownIntervalMs(scenario.priority, cs) : skewTimeMs(scenario.priority, cs);
        const arps = runs.map((r) => r.arpDelta).filter((d): d is number => d !== null);
        const decisions = runs.map((r) => r.decisionToArp).filter((d): d is number => d !== null);
        rows.push([
          `${scenario.intervalMs} ms`,
          String(scenario.priority),
          kind,
          limit.toFixed(3),
          String(runs.length),
          triple(runs.map((r) => r.takeover)),
          triple(runs.map((r) => r.overhead)),
          triple(arps),
          triple(decisions),
          `${decisions.filter((d) => d > 1).length}/${runs.length}${decisions.length < runs.length ? ` (${runs.length - decisions.length} none)` : ''}`,
        ]);
        const label = `${scenario.intervalMs} ms prio ${scenario.priority} ${kind}`.padEnd(28);
        perRun.push(`${label} overhead: ${runs.map((r) => `${r.overhead >= 0 ? '+' : ''}${r.overhead.toFixed(3)}`).join(' ')}`);
        perRun.push(`${' '.repeat(28)} ARP−adv:  ${runs.map((r) => (r.arpDelta === null ? 'none' : `${r.arpDelta >= 0 ? '+' : ''}${r.arpDelta.toFixed(3)}`)).join(' ')}`);
        perRun.push(`${' '.repeat(28)} dec→ARP:  ${runs.map((r) => (r.decisionToArp === null ? 'none' : r.decisionToArp.toFixed(3))).join(' ')}`);
        for (const [i, r] of runs.entries()) if (r.note !== '') perRun.push(`${' '.repeat(28)} run ${i + 1}: ${r.note}`);
      }
    }
    const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
    for (const [i, row] of rows.entries()) {
      console.log(row.map((cell, c) => (c <= 2 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '));
      if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
    }
    console.log('');
    console.log('per run (ms):');
    for (const line of perRun) console.log(line);
    console.log('');
    console.log(`load average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}; total ${((performance.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    capture?.kill('SIGKILL');
    await cluster.destroy();
  }
}

await main();
