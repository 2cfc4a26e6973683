/**
 * keepalived (2.2.7, the Debian package) as a peer in a member namespace of a Topology, for the
 * interop tests. Writes a one-instance VRRPv3 configuration, runs
 *   ip netns exec NS keepalived -n -l -D -P -R -G -f CONF -p PID -r VRRP_PID
 * and keeps its console log lines with the time each arrived.
 *
 * Facts about keepalived's processes that the tests rely on:
 * - `-n` keeps the parent in the foreground (our child process); it forks one VRRP child, whose
 *   pid is in the `-r` file. That child does the protocol.
 * - The VRRP child dies with its parent (PR_SET_PDEATHSIG) and then shuts down GRACEFULLY: it
 *   sends priority 0 and removes its addresses. So SIGKILL of the parent is a clean release,
 *   not a crash. crash() therefore SIGKILLs the VRRP child; `-R` (no respawn) makes the parent
 *   exit after it instead of starting a new child. The addresses stay behind, as after a crash.
 * - `-l` logs to the console, `-G` keeps these runs out of the host's syslog, `-D` adds detail.
 *   Log lines start with a timestamp of one-second resolution, so the arrival time of a line
 *   (`at`, Date.now() when the test read it) is the precise upper bound of when it happened.
 */

import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Member } from '../../integration/helpers/topology.js';

export interface KeepalivedInstance {
  readonly name: string;
  readonly vrid: number;
  readonly priority: number;
  /** advert_int in seconds (keepalived takes fractions in VRRPv3: 0.1 = 10 cs). */
  readonly advertInt: number;
  /** VIPs with their prefix length, e.g. 203.0.113.10/32 or 2001:db8::10/64. */
  readonly virtualAddresses: readonly string[];
  readonly interface?: string;
  /** Initial state; keepalived below priority 255 starts as BACKUP either way. */
  readonly state?: 'BACKUP' | 'MASTER';
}

export interface LogLine {
  readonly text: string;
  /** Date.now() when the line was read from the pipe. */
  readonly at: number;
}

export type KeepalivedState = 'MASTER' | 'BACKUP' | 'FAULT';

/** "(web) Entering MASTER STATE" and "(web) Entering BACKUP STATE (init)". */
const ENTERING = /\(([^)]+)\) Entering (MASTER|BACKUP|FAULT) STATE/;

/** One configuration for one or more instances (the benchmarks run up to 255 in one process). */
export function keepalivedConfig(instances: KeepalivedInstance | readonly KeepalivedInstance[]): string {
  const list: readonly KeepalivedInstance[] = Array.isArray(instances) ? instances : [instances as KeepalivedInstance];
  return [
    'global_defs {',
    `  router_id ipfo_ka_${list[0]?.name ?? 'none'}`,
    '  vrrp_version 3',
    // Announce at once on becoming master, and only once more: the tests do not wait for them.
    '  vrrp_garp_master_delay 0',
    '  vrrp_garp_master_repeat 1',
    '}',
    ...list.flatMap((instance) => [
      `vrrp_instance ${instance.name} {`,
      `  state ${instance.state ?? 'BACKUP'}`,
      `  interface ${instance.interface ?? 'eth0'}`,
      `  virtual_router_id ${instance.vrid}`,
      `  priority ${instance.priority}`,
      `  advert_int ${instance.advertInt}`,
      '  virtual_ipaddress {',
      ...instance.virtualAddresses.map((address) => `    ${address}`),
      '  }',
      '}',
    ]),
    '',
  ].join('\n');
}

export class KeepalivedProcess {
  readonly lines: LogLine[] = [];
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  private readonly waiters: Array<() => void> = [];
  private readonly vrrpPidFile: string;
  /** The first instance: the one states() and waitState() speak of. */
  readonly instance: KeepalivedInstance;

  /**
   * `dir` must be private to this process (config and pid files go there). `configText`, when
   * given, is run instead of the configuration made from `instances` (which then only names them).
   */
  constructor(
    readonly member: Member,
    dir: string,
    instances: KeepalivedInstance | readonly [KeepalivedInstance, ...KeepalivedInstance[]],
    configText?: string,
  ) {
    const instance: KeepalivedInstance = Array.isArray(instances) ? instances[0] : (instances as KeepalivedInstance);
    this.instance = instance;
    const conf = join(dir, `keepalived-${instance.name}-m${member.index}.conf`);
    const pid = join(dir, `keepalived-${instance.name}-m${member.index}.pid`);
    this.vrrpPidFile = join(dir, `keepalived-${instance.name}-m${member.index}.vrrp.pid`);
    writeFileSync(conf, configText ?? keepalivedConfig(instances));
    this.child = spawn(
      'ip',
      ['netns', 'exec', member.ns, 'keepalived', '-n', '-l', '-D', '-P', '-R', '-G', '-f', conf, '-p', pid, '-r', this.vrrpPidFile],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let buffer = '';
    const take = (chunk: Buffer): void => {
      buffer += chunk.toString('utf8');
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        this.lines.push({ text: buffer.slice(0, newline), at: Date.now() });
        buffer = buffer.slice(newline + 1);
      }
      for (const wake of this.waiters.splice(0)) wake();
    };
    this.child.stdout?.on('data', take);
    this.child.stderr?.on('data', take);
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Lines from index `from` on that match. */
  matching(pattern: RegExp, from = 0): LogLine[] {
    return this.lines.slice(from).filter((line) => pattern.test(line.text));
  }

  /** The states the instance entered, in order. */
  states(): KeepalivedState[] {
    return this.lines.flatMap((line) => {
      const found = ENTERING.exec(line.text);
      return found !== null && found[1] === this.instance.name ? [found[2] as KeepalivedState] : [];
    });
  }

  /** Every instance's state from its last "Entering ... STATE" line (none yet: absent). */
  allStates(): Map<string, KeepalivedState> {
    const states = new Map<string, KeepalivedState>();
    for (const line of this.lines) {
      const found = ENTERING.exec(line.text);
      if (found !== null) states.set(found[1] as string, found[2] as KeepalivedState);
    }
    return states;
  }

  /** The state from the last "Entering ... STATE" line (undefined before any). */
  state(): KeepalivedState | undefined {
    return this.states().at(-1);
  }

  /** Waits for a line matching `pattern` at or after line index `from`. */
  async waitLine(pattern: RegExp, timeoutMs: number, from = 0): Promise<LogLine> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const line = this.lines.slice(from).find((candidate) => pattern.test(candidate.text));
      if (line !== undefined) return line;
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`keepalived on m${this.member.index}: no line matching ${pattern} within ${timeoutMs} ms; last lines:\n${this.tail(20)}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 100));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Waits for "(name) Entering STATE STATE" at or after line index `from`. */
  waitState(state: KeepalivedState, timeoutMs: number, from = 0): Promise<LogLine> {
    return this.waitLine(new RegExp(`\\(${this.instance.name}\\) Entering ${state} STATE`), timeoutMs, from);
  }

  /** The VRRP child's pid (from its pid file, written once it has started). */
  vrrpPid(): number {
    const pid = Number.parseInt(readFileSync(this.vrrpPidFile, 'utf8').trim(), 10);
    if (!Number.isInteger(pid) || pid <= 1) throw new Error(`bad pid in ${this.vrrpPidFile}`);
    return pid;
  }

  /**
   * A crash: SIGKILL the VRRP child (no priority 0, addresses left behind); the parent, which
   * does not respawn (-R), exits after it. Resolves when the parent has exited.
   */
  async crash(): Promise<void> {
    process.kill(this.vrrpPid(), 'SIGKILL');
    await this.exited;
  }

  /** Graceful stop (SIGTERM to the parent): a master sends priority 0 and removes its addresses. */
  async stop(): Promise<void> {
    if (this.running) this.child.kill('SIGTERM');
    await this.exited;
  }

  /** For teardown: SIGKILL whatever is left (child first, so that it cannot release). */
  async kill(): Promise<void> {
    if (!this.running) return;
    try {
      process.kill(this.vrrpPid(), 'SIGKILL');
    } catch {
      // not started yet, or already gone
    }
    this.child.kill('SIGKILL');
    await this.exited;
  }

  tail(count: number): string {
    return this.lines
      .slice(-count)
      .map((line) => line.text)
      .join('\n');
  }
}
