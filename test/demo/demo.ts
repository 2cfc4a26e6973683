/**
 * Live failover demo: three members of one IP failover group (network namespaces on a bridge),
 * a client that learns the failover IP's MAC from gratuitous ARP, and real ipfailoverd daemons.
 * The master is killed (SIGKILL), the next one stopped (SIGTERM), the group master restarted;
 * each takeover is measured and compared with RFC 9568's timers. Needs root; removes everything
 * it made on exit, also on Ctrl-C, SIGTERM and errors. Exit status 0 only if every failover
 * happened as expected.
 *
 *   npm run demo          (= npm run build && node dist/test/demo/demo.js)
 */

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { activeDownIntervalMs, skewTimeMs } from '../../src/protocol/timers.js';
import { GROUP_MASTER_START_INTERVALS } from '../../src/protocol/fsm.js';
import { Cluster, webInstance, type Daemon } from '../integration/helpers/cluster.js';
import { waitFor, type Member } from '../integration/helpers/topology.js';
import { LiveView, type Frame, type MemberRow } from './view.js';

const run = promisify(execFile);

const VIP = '203.0.113.10';
const INTERVAL_MS = 200;
const INTERVAL_CS = INTERVAL_MS / 10;
const PLAN = [
  { index: 1, priority: 150, groupMaster: true },
  { index: 2, priority: 100, groupMaster: false },
  { index: 3, priority: 50, groupMaster: false },
] as const;
/** How long past the protocol's deadline a takeover may take before the demo calls it failed. */
const GRACE_MS = 2000;

class DemoFailure extends Error {}

const out = (text = ''): void => void process.stdout.write(`${text}\n`);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const ms = (value: number): string => `${value.toFixed(value < 100 ? 1 : 0)} ms`;

// ---------------------------------------------------------------------------------------------
// What the kernel says: addresses on a member's eth0, the client's ARP entry for the failover IP.

async function ipJson<T>(ns: string, ...args: string[]): Promise<T> {
  const { stdout } = await run('ip', ['-n', ns, '-j', ...args], { encoding: 'utf8' });
  return JSON.parse(stdout || '[]') as T;
}

async function holds(member: Member): Promise<boolean> {
  const links = await ipJson<Array<{ addr_info?: Array<{ local?: string }> }>>(member.ns, 'addr', 'show', 'dev', 'eth0');
  return links.some((link) => (link.addr_info ?? []).some((info) => info.local === VIP));
}

async function clientArp(client: Member): Promise<Frame['arp']> {
  const entries = await ipJson<Array<{ dst: string; lladdr?: string; state?: string[] }>>(client.ns, 'neigh', 'show', 'to', VIP, 'dev', 'eth0');
  const entry = entries.find((e) => e.dst === VIP);
  return { mac: entry?.lladdr ?? null, state: entry?.state?.join(',') ?? '-' };
}

// ---------------------------------------------------------------------------------------------
// The scenario.

let cluster: Cluster | undefined;
let creating: Promise<Cluster> | undefined;
let view: LiveView | undefined;
let finishing = false;

function daemonStatus(cluster: Cluster, index: number): MemberRow['daemon'] {
  const child = cluster.daemons.get(index)?.child;
  if (child === undefined || (child.exitCode === null && child.signalCode === null)) return 'running';
  if (child.signalCode === 'SIGKILL') return 'killed';
  return child.exitCode === 0 ? 'stopped' : 'exited';
}

/** Kernel first, daemons' logs second: a frame never shows an address or ARP entry newer than the state. */
async function snapshot(cluster: Cluster): Promise<Frame> {
  const [arp, ...held] = await Promise.all([clientArp(cluster.topology.client), ...PLAN.map((p) => holds(cluster.member(p.index)))]);
  const rows = PLAN.map((plan, i): MemberRow => {
    const daemon = daemonStatus(cluster, plan.index);
    return {
      name: `m${plan.index}`,
      daemon,
      state: daemon === 'running' ? (cluster.daemons.get(plan.index)?.state() ?? 'INIT') : '-',
      priority: plan.priority,
      groupMaster: plan.groupMaster,
      mac: cluster.member(plan.index).mac,
      holds: held[i] === true,
    };
  });
  return { rows, arp };
}

function startMember(cluster: Cluster, index: number): Daemon {
  if (finishing) throw new DemoFailure('stopping');
  const plan = PLAN.find((p) => p.index === index) as (typeof PLAN)[number];
  return cluster.start(index, [webInstance({ priority: plan.priority, groupMaster: plan.groupMaster, advertIntervalMs: INTERVAL_MS })]);
}

/** The last lines a daemon printed, for a failure report. */
function logTail(name: string, daemon: Daemon | undefined): string {
  if (daemon === undefined) return `  ${name}: no daemon`;
  return [`  --- ${name} (last lines) ---`, ...daemon.raw.slice(-12).map((line) => `  ${line}`)].join('\n');
}

/** Waits for `daemon` to log a transition to MASTER after line `from`; its time (ms since epoch). */
async function becameMaster(name: string, daemon: Daemon, from: number, timeoutMs: number, others: Array<[string, Daemon | undefined]>): Promise<{ at: number; line: Record<string, unknown> }> {
  try {
    const line = await daemon.waitState('MASTER', timeoutMs, { from });
    return { at: Date.parse(String(line.time)), line };
  } catch {
    const tails = [logTail(name, daemon), ...others.map(([n, d]) => logTail(n, d))].join('\n');
    throw new DemoFailure(`${name} did not become MASTER within ${ms(timeoutMs)}: the failover did not happen\n${tails}`);
  }
}

/** Polls the client's ARP cache until the failover IP maps to `member`'s MAC; when (ms since epoch). */
async function arpPointsAt(cluster: Cluster, member: Member, timeoutMs: number): Promise<number> {
  try {
    return await waitFor(`client ARP -> ${member.mac}`, async () => ((await clientArp(cluster.topology.client)).mac === member.mac ? Date.now() : undefined), timeoutMs, 10);
  } catch {
    const arp = await clientArp(cluster.topology.client).catch(() => ({ mac: 'unreadable', state: '' }));
    throw new DemoFailure(`the client's ARP cache still has ${VIP} at ${arp.mac ?? 'no entry'} ${arp.state}, not at ${member.mac} (m${member.index}): no gratuitous ARP reached it`);
  }
}

/** Runs `action` with the live view on, keeping the view up for at least `minMs` from `t0`. */
async function phase<T>(caption: string, t0: number, minMs: number, action: () => Promise<T>): Promise<T> {
  const live = view as LiveView;
  live.start(caption, t0);
  try {
    const result = await action();
    await sleep(Math.max(0, t0 + minMs - Date.now()));
    await live.stop();
    return result;
  } catch (error) {
    live.abandon();
    throw error;
  }
}

function transitionText(name: string, line: Record<string, unknown>): string {
  return `${name} logged ${String(line.from)} -> ${String(line.to)} (reason ${String(line.reason)}) at ${String(line.time).slice(11, 23)}`;
}

async function demo(): Promise<void> {
  const [p1, p2, p3] = PLAN;
  const activeDown2 = activeDownIntervalMs(p2.priority, INTERVAL_CS);
  const skew3 = skewTimeMs(p3.priority, INTERVAL_CS);
  const startWait1 = GROUP_MASTER_START_INTERVALS * INTERVAL_MS + skewTimeMs(p1.priority, INTERVAL_CS);

  out('ipfailoverd live failover demo');
  out('==============================');
  out(`Three VMs m1, m2, m3 (network namespaces on one bridge) form an IP failover group for ${VIP}:`);
  out(`VRRPv3 (RFC 9568), VRID 51, one advertisement every ${INTERVAL_MS} ms from the master. m1 is the`);
  out(`group's configured master (priority ${p1.priority}); m2 has ${p2.priority}, m3 ${p3.priority}. The master puts ${VIP}`);
  out("on its eth0 and announces it by gratuitous ARP from its NIC's own MAC (no virtual MAC), so a");
  out("client - the provider's router - learns where to send the traffic. Everything below is asked");
  out("from the kernel: the members' addresses (ip -j addr) and the client's ARP cache (ip -j neigh).");
  out("In the view, (gm) marks the group master, '<- ARP' the MAC the client has for the failover IP.");
  out();

  out('Setting up the namespaces ...');
  creating = Cluster.create(PLAN.length, 'ipfo-demo');
  cluster = await creating;
  const c = cluster;
  const [m1, m2, m3] = PLAN.map((p) => c.member(p.index)) as [Member, Member, Member];
  if (finishing) return;
  out(`  ${c.topology.id}-{m1,m2,m3,client,br}: members 192.0.2.1-3, MACs ${m1.mac}..${m3.mac.slice(-2)}`);
  view = new LiveView(VIP, () => snapshot(c));

  // 1. Start-up: the group master wins the first election.
  out();
  out(`1. Starting the three daemons. The group master waits two intervals + Skew_Time (${ms(startWait1)})`);
  out(`   for an existing master, the others the full Active_Down_Interval, so m1 becomes MASTER.`);
  const tStart = Date.now();
  const first = await phase('since the daemons were started', tStart, 4000, async () => {
    const daemons = PLAN.map((p) => startMember(c, p.index));
    const master = await becameMaster('m1', daemons[0] as Daemon, 0, 5000, [['m2', daemons[1]], ['m3', daemons[2]]]);
    for (const [name, daemon] of [['m2', daemons[1]], ['m3', daemons[2]]] as const) {
      await (daemon as Daemon).waitState('BACKUP', 5000).catch(() => {
        throw new DemoFailure(`${name} did not start as BACKUP\n${logTail(name, daemon)}`);
      });
    }
    await arpPointsAt(c, m1, 3000);
    return master;
  });
  out(`   ${transitionText('m1', first.line)}`);

  // 2. SIGKILL of the master: the backups hear nothing for Active_Down_Interval.
  out();
  out(`2. kill -9 m1's daemon (a crash: no goodbye). m2 takes over when its Active_Down_Timer fires:`);
  out(`   Active_Down_Interval = 3 x ${INTERVAL_MS} + (256 - ${p2.priority}) x ${INTERVAL_MS}/256 = ${ms(activeDown2)} after m1's last advertisement.`);
  const d2 = c.daemon(2);
  const from2 = d2.lines.length;
  const tKill = Date.now();
  c.daemon(1).kill('SIGKILL');
  const killed = await phase('since SIGKILL of m1', tKill, 4000, async () => {
    const master = await becameMaster('m2', d2, from2, activeDown2 + GRACE_MS, [['m1', c.daemons.get(1)], ['m3', c.daemons.get(3)]]);
    const arpAt = await arpPointsAt(c, m2, 3000);
    if (!(await holds(m2))) throw new DemoFailure(`m2 logged MASTER but its eth0 does not have ${VIP}\n${logTail('m2', d2)}`);
    return { takeover: master.at - tKill, arp: arpAt - tKill, line: master.line };
  });
  out(`   ${transitionText('m2', killed.line)},`);
  out(`   ${ms(killed.takeover)} after the kill: within the limit of ${ms(activeDown2)}, which counts from m1's last`);
  out(`   advertisement, up to ${INTERVAL_MS} ms before the kill.`);
  out(`   The client's ARP cache points at m2's own MAC ${m2.mac}, ${ms(killed.arp)} after the kill.`);
  out(`   m1's kernel still has ${VIP} ("stale"): its daemon died without removing it.`);

  // 3. SIGTERM of the new master: it sends priority 0, the last backup takes over after Skew_Time.
  out();
  out(`3. Graceful stop (SIGTERM) of m2: it sends an advertisement with priority 0 and removes`);
  out(`   ${VIP}; m3 takes over after Skew_Time = (256 - ${p3.priority}) x ${INTERVAL_MS}/256 = ${ms(skew3)}.`);
  const d3 = c.daemon(3);
  const from3 = d3.lines.length;
  const tTerm = Date.now();
  d2.kill('SIGTERM');
  const exit2 = d2.exited.then((status) => ({ status, at: Date.now() }));
  const stopped = await phase('since SIGTERM of m2', tTerm, 3500, async () => {
    const master = await becameMaster('m3', d3, from3, skew3 + GRACE_MS, [['m2', d2]]);
    if (master.line.reason !== 'active-released') {
      throw new DemoFailure(`m3 became MASTER for reason ${String(master.line.reason)}, not active-released: m2's priority-0 advertisement was not acted on\n${logTail('m2', d2)}\n${logTail('m3', d3)}`);
    }
    const arpAt = await arpPointsAt(c, m3, 3000);
    const { status, at: exitedAt } = await exit2;
    if (status !== 0) throw new DemoFailure(`m2's daemon exited with status ${String(status)} after SIGTERM, not 0\n${logTail('m2', d2)}`);
    return { takeover: master.at - tTerm, arp: arpAt - tTerm, exited: exitedAt - tTerm, line: master.line };
  });
  if (await holds(m2)) throw new DemoFailure(`m2 stopped but its eth0 still has ${VIP}\n${logTail('m2', d2)}`);
  out(`   ${transitionText('m3', stopped.line)},`);
  out(`   ${ms(stopped.takeover)} after SIGTERM (Skew_Time ${ms(skew3)}). m2 removed ${VIP} and exited with status 0.`);
  out(`   The client's ARP cache points at m3's MAC ${m3.mac}, ${ms(stopped.arp)} after SIGTERM.`);

  // 4. The group master comes back and preempts (priority 150 > 50).
  out();
  out(`4. Restarting m1, the group master. It removes the stale ${VIP} at start-up, hears m3's`);
  out(`   priority-${p3.priority} advertisements, and preempts after two intervals + its Skew_Time (${ms(startWait1)}).`);
  const tRestart = Date.now();
  const back = await phase('since m1 was restarted', tRestart, 4000, async () => {
    const d1 = startMember(c, 1);
    const started = await d1.waitLine({ msg: 'web: started' }, 5000).catch(() => {
      throw new DemoFailure(`m1's daemon did not start\n${logTail('m1', d1)}`);
    });
    const master = await becameMaster('m1', d1, 0, startWait1 + GRACE_MS, [['m3', d3]]);
    const yielded = await d3.waitState('BACKUP', 3000, { from: from3 }).catch(() => {
      throw new DemoFailure(`m3 did not go back to BACKUP after m1 preempted\n${logTail('m3', d3)}`);
    });
    const arpAt = await arpPointsAt(c, m1, 3000);
    const stale = d1.lines.some((line) => line.reason === 'present-at-startup');
    return {
      preempt: master.at - Date.parse(String(started.time)),
      fromSpawn: master.at - tRestart,
      yielded: Date.parse(String(yielded.time)) - master.at,
      arp: arpAt - master.at,
      line: master.line,
      yieldLine: yielded,
      stale,
    };
  });
  if (await holds(m3)) throw new DemoFailure(`m3 is BACKUP again but its eth0 still has ${VIP}\n${logTail('m3', d3)}`);
  if (back.stale) out(`   m1 logged: ${VIP} was on eth0 at start-up; removed until this node is master.`);
  out(`   ${transitionText('m1', back.line)},`);
  out(`   ${ms(back.preempt)} after its "started" line (${ms(back.fromSpawn)} after the restart, Node.js start-up included).`);
  out(`   ${transitionText('m3', back.yieldLine)}, ${ms(back.yielded)} later.`);
  out(`   The client's ARP cache points at m1's MAC ${m1.mac} again, ${ms(back.arp)} after m1's transition.`);

  // Summary.
  const summary: Array<[string, string, string]> = [
    ['SIGKILL m1 -> m2 MASTER', ms(killed.takeover), `<= Active_Down_Interval ${ms(activeDown2)}`],
    ['SIGKILL m1 -> client ARP at m2', ms(killed.arp), ''],
    ['SIGTERM m2 -> m3 MASTER', ms(stopped.takeover), `~ Skew_Time ${ms(skew3)}`],
    ['SIGTERM m2 -> client ARP at m3', ms(stopped.arp), ''],
    ['SIGTERM m2 -> m2 exited (status 0)', ms(stopped.exited), '< 1000 ms'],
    ['m1 started -> m1 MASTER (preempt)', ms(back.preempt), `~ 2 intervals + Skew_Time ${ms(startWait1)}`],
    ['m1 MASTER -> m3 BACKUP', ms(back.yielded), `~ one advertisement's trip`],
  ];
  const width = Math.max(...summary.map(([what]) => what.length));
  out();
  out('Summary (measured on this machine; RFC 9568 timers for comparison)');
  out(`  ${'step'.padEnd(width)}  ${'measured'.padStart(9)}  expected`);
  for (const [what, measured, expected] of summary) out(`  ${what.padEnd(width)}  ${measured.padStart(9)}  ${expected}`.trimEnd());
  out();
  out('Every failover happened: the demo succeeded.');
}

// ---------------------------------------------------------------------------------------------
// Clean-up on every way out: success, failure, Ctrl-C, SIGTERM.

async function cleanUp(): Promise<void> {
  view?.abandon();
  const made = cluster ?? (await creating?.catch(() => undefined));
  await made?.destroy();
}

let exiting: Promise<never> | undefined;
function finish(code: number, message?: string): Promise<never> {
  finishing = true;
  exiting ??= (async () => {
    if (message !== undefined) process.stderr.write(`\n${message}\n`);
    process.stdout.write('Removing the namespaces and daemons ...\n');
    try {
      await cleanUp();
    } catch (error) {
      process.stderr.write(`clean-up failed: ${String(error)}\n`);
      code ||= 1;
    }
    process.exit(code);
  })();
  return exiting;
}

process.on('SIGINT', () => void finish(130, 'Interrupted (SIGINT).'));
process.on('SIGTERM', () => void finish(143, 'Terminated (SIGTERM).'));
process.on('unhandledRejection', (error) => void finish(1, `demo error: ${error instanceof Error ? error.stack : String(error)}`));

if (process.getuid?.() !== 0) {
  process.stderr.write('the demo builds network namespaces: run it as root\n');
  process.exit(1);
}

try {
  await demo();
  await finish(0);
} catch (error) {
  if (!finishing) {
    const message = error instanceof DemoFailure ? `DEMO FAILED: ${error.message}` : `demo error: ${error instanceof Error ? error.stack : String(error)}`;
    await finish(1, message);
  }
}
