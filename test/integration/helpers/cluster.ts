/**
 * Runs real ipfailoverd daemons in the members of a Topology: writes each member's config,
 * starts `node dist/src/cli/ipfailoverd.js --config FILE` in its namespace, and reads its JSON
 * log lines. Used by integration and interop tests, the demo and the benchmarks.
 */

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTopology, inNs, NsProcess, type Member, type Topology } from './topology.js';

/**
 * How long a wait that begins as a daemon is started may take: node's start-up and the config's
 * compilation, 0.5 s on a quiet machine, took 2–3 s while other suites loaded both cores. Not a
 * protocol bound: the waits that measure the protocol start from an event, not from a start.
 */
export const START_WAIT_MS = 10_000;
export const DAEMON = fileURLToPath(new URL('../../../src/cli/ipfailoverd.js', import.meta.url));

export type InstanceJson = Record<string, unknown>;

export class Daemon extends NsProcess {
  constructor(
    readonly member: Member,
    readonly configFile: string,
    readonly statusSocket: string,
    env: Record<string, string> = {},
    /** Commands in front of node's, each exec-ing the next (nice, chrt: the unit's scheduling). */
    prefix: readonly string[] = [],
  ) {
    super(member.ns, [...prefix, process.execPath, DAEMON, '--config', configFile], env);
  }

  /** Transition lines of one instance, in order. */
  transitions(instance = 'web'): Array<Record<string, unknown>> {
    return this.lines.filter((line) => line.instance === instance && typeof line.to === 'string');
  }

  /** The state of an instance from its last transition line (INIT before any). */
  state(instance = 'web'): string {
    return (this.transitions(instance).at(-1)?.to as string | undefined) ?? 'INIT';
  }

  /** Waits for a transition of `instance` to `to` after line index `from`. */
  async waitState(to: string, timeoutMs: number, options: { instance?: string; from?: number } = {}): Promise<Record<string, unknown>> {
    return this.waitLine({ instance: options.instance ?? 'web', to }, timeoutMs, options.from ?? 0);
  }

  /** SIGTERM and wait for the exit status. */
  async stop(): Promise<number | null> {
    this.kill('SIGTERM');
    return this.exited;
  }
}

export class Cluster {
  readonly daemons = new Map<number, Daemon>();
  private readonly dir = mkdtempSync(join(tmpdir(), 'ipfo-cluster-'));

  private constructor(readonly topology: Topology) {}

  static async create(members: number, prefix?: string): Promise<Cluster> {
    return new Cluster(await createTopology(members, prefix === undefined ? {} : { prefix }));
  }

  get members(): readonly Member[] {
    return this.topology.members;
  }

  member(index: number): Member {
    const member = this.topology.members.find((m) => m.index === index);
    if (member === undefined) throw new Error(`no member ${index}`);
    return member;
  }

  /** Writes member `index`'s config file (the daemon re-reads it on reload). */
  writeConfig(index: number, instances: readonly InstanceJson[], extra: Record<string, unknown> = {}): { file: string; socket: string } {
    const file = join(this.dir, `member-${index}.json`);
    const socket = join(this.dir, `m${index}.sock`);
    // Each member its own state directory: step-down holds must not leak between members or tests.
    const stateDirectory = join(this.dir, `state-${index}`);
    writeFileSync(file, JSON.stringify({ statusSocket: socket, stateDirectory, log: { level: 'debug' }, ...extra, instances }, null, 2));
    return { file, socket };
  }

  /** Writes the config and starts the daemon of member `index` (replacing a stopped one). */
  start(
    index: number,
    instances: readonly InstanceJson[],
    extra: Record<string, unknown> = {},
    env: Record<string, string> = {},
    prefix: readonly string[] = [],
  ): Daemon {
    const { file, socket } = this.writeConfig(index, instances, extra);
    const daemon = new Daemon(this.member(index), file, socket, env, prefix);
    this.daemons.set(index, daemon);
    return daemon;
  }

  daemon(index: number): Daemon {
    const daemon = this.daemons.get(index);
    if (daemon === undefined) throw new Error(`member ${index} has no daemon`);
    return daemon;
  }

  /** Bridge port isolation: isolated members cannot reach each other (a network partition). */
  async isolate(indexes: readonly number[], on: boolean): Promise<void> {
    for (const index of indexes) {
      await inNs(this.topology.hub, 'bridge', 'link', 'set', 'dev', `p${index}`, 'isolated', on ? 'on' : 'off');
    }
  }

  /** The folder holding configs and sockets (mode 0700 unless a test opens it). */
  get directory(): string {
    return this.dir;
  }

  async destroy(): Promise<void> {
    for (const daemon of this.daemons.values()) daemon.kill('SIGKILL');
    await Promise.all([...this.daemons.values()].map((d) => d.exited));
    await this.topology.destroy();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A typical IPv4 failover instance; override what a test is about. */
export function webInstance(overrides: InstanceJson = {}): InstanceJson {
  return {
    name: 'web',
    interface: 'eth0',
    vrid: 51,
    priority: 100,
    advertIntervalMs: 100,
    virtualAddresses: ['203.0.113.10/32'],
    announce: { count: 3, intervalMs: 50, refreshIntervalMs: 0 },
    ...overrides,
  };
}
