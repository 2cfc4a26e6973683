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

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Member } from '../../integration/helpers/topology.js';
import { PeerProcess, type LogLine } from './peer-process.js';

export type { LogLine };

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

export class KeepalivedProcess extends PeerProcess {
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
    const base = join(dir, `keepalived-${instance.name}-m${member.index}`);
    writeFileSync(`${base}.conf`, configText ?? keepalivedConfig(instances));
    super(
      member.ns,
      ['keepalived', '-n', '-l', '-D', '-P', '-R', '-G', '-f', `${base}.conf`, '-p', `${base}.pid`, '-r', `${base}.vrrp.pid`],
      `keepalived on m${member.index}`,
    );
    this.instance = instance;
    this.vrrpPidFile = `${base}.vrrp.pid`;
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
}
