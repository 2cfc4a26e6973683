/**
 * The soak's test bed: three ipfailoverd members and a client on one bridge (the integration
 * tests' Cluster), an nftables bridge table in the hub for isolation and loss, the client's
 * traffic to the failover IPs, and optionally a rogue fourth member holding the IPs statically
 * (no daemon) to show that the soak can fail. It starts and stops daemons as the unit would
 * (the Environment= and Nice= of systemd/ipfailoverd.service) and records their exits and
 * state transitions.
 *
 * Two failover groups, one per family, on every member:
 *   chaos4  VRID 10, 203.0.113.10/32, unicast to the other members' IPv4 addresses
 *   chaos6  VRID 11, 2001:db8::10/128, multicast from the link-local address
 * Advertisement_Interval 100 ms; m1 150 (the group's configured master), m2 100, m3 50.
 */

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Cluster, DAEMON, type Daemon, type InstanceJson } from '../integration/helpers/cluster.js';
import { inNs, NsProcess, type Member } from '../integration/helpers/topology.js';
import { onLines } from './line-stream.js';
import { FAMILIES, type DaemonExit, type ExitCause, type Family, type RoleChange } from './model.js';
import type { LogLevel } from './args.js';
import { unitLaunch } from '../bench/unit-launch.js';

const run = promisify(execFile);

export const VIPS: Readonly<Record<Family, string>> = { v4: '203.0.113.10', v6: '2001:db8::10' };
export const PREFIX: Readonly<Record<Family, number>> = { v4: 32, v6: 128 };
export const INSTANCE: Readonly<Record<Family, string>> = { v4: 'chaos4', v6: 'chaos6' };
const VRID: Readonly<Record<Family, number>> = { v4: 10, v6: 11 };
export const INTERVAL_MS = 100;
/** A unicast peer that does not exist: what a "changed peers" reload adds and removes. */
export const PHANTOM_PEER = '192.0.2.99';
export const DAEMON_MEMBERS = [1, 2, 3] as const;
export const ROGUE_MEMBER = 4;
const START_PRIORITY: Readonly<Record<number, number>> = { 1: 150, 2: 100, 3: 50 };
/** As systemd/ipfailoverd.service runs it (its Environment=, read from the unit). */
/** The unit's Environment= and scheduling (Nice=), as systemd would start the daemon. */
const UNIT = unitLaunch();
const READY_TIMEOUT_MS = 15_000;
const CLIENT_TRAFFIC = fileURLToPath(new URL('./client-traffic.js', import.meta.url));

interface MemberPlan {
  priorities: Record<Family, number>;
  phantomPeer: boolean;
}

export interface SoakError {
  readonly t: number;
  readonly member: number;
  readonly detail: string;
}

export class Lab {
  readonly exits: DaemonExit[] = [];
  readonly roles: RoleChange[] = [];
  readonly errors: SoakError[] = [];
  /** Every daemon ever started, for the log lines around a violation. */
  readonly history: Array<{ readonly member: number; readonly daemon: Daemon }> = [];
  private readonly plans = new Map<number, MemberPlan>();
  private readonly expecting = new Map<number, ExitCause>();
  private traffic: NsProcess | undefined;
  /** Whether the daemon has the unit's post-exit cleanup (`--cleanup`): then SIGKILL is followed by it. */
  hasCleanup = false;

  private constructor(
    readonly cluster: Cluster,
    readonly rogue: boolean,
    readonly now: () => number,
    private readonly logLevel: LogLevel,
  ) {
    for (const m of DAEMON_MEMBERS) {
      const p = START_PRIORITY[m] as number;
      this.plans.set(m, { priorities: { v4: p, v6: p }, phantomPeer: false });
    }
  }

  static async create(options: { rogue: boolean; now: () => number; logLevel: LogLevel }): Promise<Lab> {
    const cluster = await Cluster.create(options.rogue ? 4 : 3, 'ipfo-chaos');
    const lab = new Lab(cluster, options.rogue, options.now, options.logLevel);
    try {
      await lab.prepare();
    } catch (error) {
      await lab.destroy();
      throw error;
    }
    return lab;
  }

  private async prepare(): Promise<void> {
    const hub = this.cluster.topology.hub;
    await inNs(hub, 'nft', 'add', 'table', 'bridge', 'chaos');
    await inNs(hub, 'nft', 'add', 'chain', 'bridge', 'chaos', 'forwarding', '{ type filter hook forward priority 0; policy accept; }');
    const client = this.cluster.topology.client;
    // The failover IPs are on the link: the client resolves them itself, as a provider's router.
    await inNs(client.ns, 'ip', 'route', 'add', `${VIPS.v4}/32`, 'dev', 'eth0');
    await inNs(client.ns, 'ip', '-6', 'route', 'add', `${VIPS.v6}/128`, 'dev', 'eth0');
    this.traffic = new NsProcess(client.ns, [process.execPath, CLIENT_TRAFFIC, VIPS.v4, VIPS.v6]);
    if (this.rogue) {
      const ns = this.cluster.member(ROGUE_MEMBER).ns;
      await inNs(ns, 'ip', 'addr', 'add', `${VIPS.v4}/32`, 'dev', 'eth0');
      await inNs(ns, 'ip', 'addr', 'add', `${VIPS.v6}/128`, 'dev', 'eth0', 'nodad');
    }
    const { stdout } = await run(process.execPath, [DAEMON, '--help'], { encoding: 'utf8' });
    this.hasCleanup = stdout.includes('--cleanup');
  }

  get members(): readonly Member[] {
    return this.cluster.members;
  }

  member(index: number): Member {
    return this.cluster.member(index);
  }

  priorities(): Record<Family, Record<number, number>> {
    const out: Record<Family, Record<number, number>> = { v4: {}, v6: {} };
    for (const [m, plan] of this.plans) for (const f of FAMILIES) out[f][m] = plan.priorities[f];
    return out;
  }

  plan(member: number): MemberPlan {
    return this.plans.get(member) as MemberPlan;
  }

  private instances(member: number): InstanceJson[] {
    const plan = this.plan(member);
    const peers = DAEMON_MEMBERS.filter((m) => m !== member).map((m) => this.member(m).ipv4);
    const base = (family: Family): InstanceJson => ({
      name: INSTANCE[family],
      interface: 'eth0',
      vrid: VRID[family],
      priority: plan.priorities[family],
      advertIntervalMs: INTERVAL_MS,
      virtualAddresses: [`${VIPS[family]}/${PREFIX[family]}`],
      groupMaster: member === 1,
    });
    return [{ ...base('v4'), unicastPeers: plan.phantomPeer ? [...peers, PHANTOM_PEER] : peers }, base('v6')];
  }

  /** Rewrites member's configuration file from its plan (what a reload then reads). */
  writeConfig(member: number): { file: string; socket: string } {
    return this.cluster.writeConfig(member, this.instances(member), { log: { level: this.logLevel } });
  }

  /** Starts member's daemon; resolves when its status socket is ready (every instance started). */
  async start(member: number): Promise<number> {
    const daemon = this.cluster.start(member, this.instances(member), { log: { level: this.logLevel } }, UNIT.env, UNIT.prefix);
    this.history.push({ member, daemon });
    this.expecting.delete(member);
    for (const family of FAMILIES) this.roles.push({ t: this.now(), member, family, state: 'INIT' });
    onLines(daemon.child.stdout as Readable, (text) => this.onLogLine(member, text));
    daemon.child.on('exit', (code, signal) => {
      const t = this.now();
      this.exits.push({ t, member, code, signal, cause: this.expecting.get(member) ?? 'none' });
      for (const family of FAMILIES) this.roles.push({ t, member, family, state: 'STOPPED' });
    });
    try {
      await daemon.waitLine({ msg: 'status socket ready' }, READY_TIMEOUT_MS);
    } catch (error) {
      this.errors.push({ t: this.now(), member, detail: `m${member}'s daemon did not become ready: ${String(error)}` });
    }
    return this.now();
  }

  private onLogLine(member: number, text: string): void {
    let line: Record<string, unknown>;
    try {
      line = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return;
    }
    const family = FAMILIES.find((f) => INSTANCE[f] === line.instance);
    if (family !== undefined && typeof line.to === 'string') this.roles.push({ t: this.now(), member, family, state: line.to });
  }

  daemon(member: number): Daemon | undefined {
    return this.cluster.daemons.get(member);
  }

  /** Sends `signal` as the soak's own act and waits for the exit (SIGKILL after `timeoutMs`). */
  async stop(member: number, signal: 'SIGKILL' | 'SIGTERM', cause: ExitCause, timeoutMs = 5000): Promise<boolean> {
    const daemon = this.daemon(member);
    if (daemon === undefined || daemon.child.exitCode !== null || daemon.child.signalCode !== null) return true;
    this.expecting.set(member, cause);
    daemon.kill(signal);
    const exited = await Promise.race([daemon.exited.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), timeoutMs))]);
    if (!exited) {
      daemon.kill('SIGKILL');
      await daemon.exited;
    }
    return exited;
  }

  /** The unit's ExecStopPost: `ipfailoverd --cleanup --config FILE`, when the daemon has it. */
  /** Runs the cleanup as the unit's ExecStopPost= would; returns when it had finished (soak time). */
  async cleanupAfterExit(member: number): Promise<number | undefined> {
    if (!this.hasCleanup) return undefined;
    const { file } = this.writeConfig(member);
    await inNs(this.member(member).ns, process.execPath, DAEMON, '--cleanup', '--config', file).catch((error: unknown) => {
      this.errors.push({ t: this.now(), member, detail: `--cleanup failed: ${String(error)}` });
    });
    return this.now();
  }

  async hub(...args: string[]): Promise<void> {
    await inNs(this.cluster.topology.hub, ...args);
  }

  async destroy(): Promise<void> {
    this.traffic?.kill('SIGKILL');
    await this.cluster.destroy();
  }
}
