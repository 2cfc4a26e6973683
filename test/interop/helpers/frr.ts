/**
 * FRR's vrrpd (8.4, the Debian package `frr`) as a peer in a member namespace of a Topology, for
 * the interop tests. FRR runs only inside the test's namespace, from the test's own directory:
 *   ip netns exec NS zebra -u frr -g frr -f DIR/zebra.conf -i DIR/zebra.pid -z DIR/zserv.api --vty_socket DIR -P 0 --log stdout
 *   ip netns exec NS vrrpd (the same, with DIR/vrrpd.conf and DIR/vrrpd.pid)
 * so nothing touches the host's /etc/frr, /run/frr or the package's service.
 *
 * Facts about FRR 8.4 the tests rely on:
 * - vrrpd needs zebra in the same namespace (interfaces and addresses come from it), and both
 *   must run as a user in the `frrvty` group (root is refused): `-u frr -g frr`, so the
 *   directory is handed to frr.
 * - A virtual router runs only on a macvlan on the member's interface that carries the VRRP
 *   virtual MAC (00:00:5e:00:01:VRID for IPv4, 00:00:5e:00:02:VRID for IPv6), with the virtual
 *   addresses configured on it. vrrpd keeps it protodown while it is not Master (through
 *   zebra), so the addresses are usable only on the Master. On this kernel `addrgenmode random`
 *   must be set before the macvlan comes up (an IPv6 router sends from its link-local), with
 *   accept_dad=0 so that the addresses are usable at once.
 * - `debug vrrp` logs state changes ("[VRID 5] [IPv4] Backup -> Master") and why a datagram
 *   was dropped; `--log stdout` puts them on our pipe.
 * - SIGKILL of vrrpd is a crash (no priority 0; zebra leaves the macvlan as it was);
 *   `no vrrp VRID` is a graceful release (a Master sends priority 0).
 */

import { execFile, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { inNs, waitFor, type Member } from '../../integration/helpers/topology.js';
import { PeerProcess, type LogLine } from './peer-process.js';

const run = promisify(execFile);
const FRR_BIN = '/usr/lib/frr';

export type Family = 'ipv4' | 'ipv6';
export type FrrState = 'Initialize' | 'Backup' | 'Master';

export interface FrrVrrp {
  readonly vrid: number;
  readonly priority: number;
  /** FRR's advertisement-interval: milliseconds, a multiple of 10. */
  readonly advertIntervalMs: number;
  readonly family: Family;
  /** The VIP with its prefix length (203.0.113.20/32, 2001:db8::20/64): goes on the macvlan. */
  readonly virtualAddress: string;
}

/** One family's part of `show vrrp VRID json`. */
export interface FrrStatus {
  readonly status: FrrState;
  readonly stats: { readonly adverRx: number; readonly adverTx: number; readonly transitions: number };
}

/** RFC 9568 §7.3: the virtual router MAC, 00-00-5E-00-01-{VRID} (IPv4), 00-00-5E-00-02-{VRID} (IPv6). */
export function virtualMac(family: Family, vrid: number): string {
  return `00:00:5e:00:0${family === 'ipv4' ? 1 : 2}:${vrid.toString(16).padStart(2, '0')}`;
}

/** The `interface eth0` stanza of one VRRPv3 virtual router. */
export function vrrpCommands(vrrp: FrrVrrp): string[] {
  const address = vrrp.virtualAddress.split('/')[0] as string;
  return [
    `vrrp ${vrrp.vrid} version 3`,
    `vrrp ${vrrp.vrid} priority ${vrrp.priority}`,
    `vrrp ${vrrp.vrid} advertisement-interval ${vrrp.advertIntervalMs}`,
    `vrrp ${vrrp.vrid} ${vrrp.family === 'ipv4' ? 'ip' : 'ipv6'} ${address}`,
  ];
}

/** FRR's documentation's naming: vrrp4-VRID, vrrp6-VRID (any name works; the MAC is what counts). */
function macvlanName(vrrp: FrrVrrp): string {
  return `vrrp${vrrp.family === 'ipv4' ? 4 : 6}-${vrrp.vrid}`;
}

export function vrrpdConfig(vrrp: FrrVrrp): string {
  return ['debug vrrp', 'interface eth0', ...vrrpCommands(vrrp).map((line) => ` ${line}`), ''].join('\n');
}

export class FrrRouter {
  readonly zebra: PeerProcess;
  /** The macvlan carrying the virtual MAC and the VIP. */
  readonly macvlan: string;
  private started: PeerProcess | undefined;

  private constructor(
    readonly member: Member,
    private readonly dir: string,
    readonly vrrp: FrrVrrp,
  ) {
    this.macvlan = macvlanName(vrrp);
    writeFileSync(join(dir, 'zebra.conf'), '');
    writeFileSync(join(dir, 'vrrpd.conf'), vrrpdConfig(vrrp));
    const { uid, gid } = frrIds();
    for (const name of ['', 'zebra.conf', 'vrrpd.conf']) chownSync(join(dir, name), uid, gid);
    this.zebra = new PeerProcess(member.ns, this.daemonArgs('zebra'), `zebra on m${member.index}`);
  }

  /** vrrpd: start() runs it once zebra listens. */
  get vrrpd(): PeerProcess {
    if (this.started === undefined) throw new Error(`vrrpd on m${this.member.index} was never started`);
    return this.started;
  }

  /**
   * Makes the macvlan, starts zebra, then vrrpd once zebra listens. The router's directory is its
   * own (under the system temp dir: the daemons run as frr and must reach it); kill() removes it.
   * A start that fails cleans up after itself.
   */
  static async start(member: Member, vrrp: FrrVrrp): Promise<FrrRouter> {
    const name = macvlanName(vrrp);
    await inNs(member.ns, 'ip', 'link', 'add', name, 'link', 'eth0', 'address', virtualMac(vrrp.family, vrrp.vrid), 'type', 'macvlan', 'mode', 'bridge');
    await inNs(member.ns, 'ip', 'link', 'set', name, 'addrgenmode', 'random');
    await inNs(member.ns, 'sysctl', '-qw', `net.ipv6.conf.${name}.accept_dad=0`);
    await inNs(member.ns, 'ip', 'addr', 'add', vrrp.virtualAddress, 'dev', name, ...(vrrp.family === 'ipv6' ? ['nodad'] : []));
    await inNs(member.ns, 'ip', 'link', 'set', name, 'up');
    const router = new FrrRouter(member, mkdtempSync(join(tmpdir(), `ipfo-frr-m${member.index}-`)), vrrp);
    try {
      // zebra first: a vrrpd started before zebra's socket exists retries, but with no time bound.
      await waitFor('zebra to listen', async () => (existsSync(join(router.dir, 'zserv.api')) ? true : undefined), 5000);
      router.spawnVrrpd();
      await router.vrrpd.waitLine(/vrrpd \S+ starting/, 5000);
      return router;
    } catch (error) {
      await router.kill();
      throw error;
    }
  }

  private daemonArgs(daemon: 'zebra' | 'vrrpd'): string[] {
    const d = this.dir;
    return [
      join(FRR_BIN, daemon),
      ...['-u', 'frr', '-g', 'frr', '-f', join(d, `${daemon}.conf`), '-i', join(d, `${daemon}.pid`), '-z', join(d, 'zserv.api')],
      ...['--vty_socket', d, '-P', '0', '--log', 'stdout', '--log-level', 'debug'],
    ];
  }

  private spawnVrrpd(): PeerProcess {
    const vrrpd = new PeerProcess(this.member.ns, this.daemonArgs('vrrpd'), `vrrpd on m${this.member.index}`);
    this.started = vrrpd;
    return vrrpd;
  }

  private get transition(): RegExp {
    return new RegExp(`\\[VRID ${this.vrrp.vrid}\\] \\[IPv${this.vrrp.family === 'ipv4' ? 4 : 6}\\] (\\w+) -> (\\w+)`);
  }

  /** The states the current vrrpd entered, in order. */
  states(): FrrState[] {
    return this.vrrpd.lines.flatMap((line) => {
      const found = this.transition.exec(line.text);
      return found === null ? [] : [found[2] as FrrState];
    });
  }

  /** Waits for the current vrrpd's change to `state` at or after its line index `from`. */
  waitState(state: FrrState, timeoutMs: number, from = 0): Promise<LogLine> {
    return this.vrrpd.waitLine(new RegExp(`\\[VRID ${this.vrrp.vrid}\\] \\[IPv${this.vrrp.family === 'ipv4' ? 4 : 6}\\] \\w+ -> ${state}$`), timeoutMs, from);
  }

  /** vtysh against this router's daemons (their sockets are in its directory). */
  async vtysh(...commands: string[]): Promise<string> {
    const { stdout } = await run('vtysh', ['--vty_socket', this.dir, ...commands.flatMap((command) => ['-c', command])], { encoding: 'utf8' });
    return stdout;
  }

  /** vrrpd's own view of the family's virtual router: state and counters. */
  async status(): Promise<FrrStatus> {
    const json = JSON.parse(await this.vtysh(`show vrrp ${this.vrrp.vrid} json`)) as Array<Record<'v4' | 'v6', FrrStatus>>;
    const router = json[0];
    if (router === undefined) throw new Error(`vrrpd on m${this.member.index} shows no VRID ${this.vrrp.vrid}`);
    return router[this.vrrp.family === 'ipv4' ? 'v4' : 'v6'];
  }

  /** Graceful release (§6.4.3 "Shutdown"): a Master sends priority 0 and gives the macvlan up. */
  release(): Promise<string> {
    return this.vtysh('configure terminal', 'interface eth0', `no vrrp ${this.vrrp.vrid}`, 'end');
  }

  /** Whether the VIP is usable here: on the macvlan, and the macvlan not protodown (vrrpd's Master). */
  async holds(): Promise<boolean> {
    const [link] = JSON.parse(await inNs(this.member.ns, 'ip', '-d', '-j', 'addr', 'show', 'dev', this.macvlan)) as Array<{
      operstate?: string;
      protodown?: boolean;
      addr_info: Array<{ local: string }>;
    }>;
    const address = this.vrrp.virtualAddress.split('/')[0];
    return link !== undefined && link.protodown !== true && link.operstate === 'UP' && link.addr_info.some((info) => info.local === address);
  }

  /** A crash: SIGKILL vrrpd (no priority 0; the macvlan stays as vrrpd left it). */
  crash(): Promise<void> {
    return this.vrrpd.killHard();
  }

  /** For teardown: vrrpd first (so that it cannot release), then zebra; removes the directory. */
  async kill(): Promise<void> {
    await this.started?.killHard();
    await this.zebra.killHard();
    rmSync(this.dir, { recursive: true, force: true });
  }

  tail(count: number): string {
    return ['--- zebra:', this.zebra.tail(count), '--- vrrpd:', this.started?.tail(count) ?? '(not started)'].join('\n');
  }
}

let ids: { uid: number; gid: number } | undefined;

/** The frr user and group the package made (their ids are not fixed): from `id`. */
function frrIds(): { uid: number; gid: number } {
  if (ids !== undefined) return ids;
  const id = (flag: string): number => {
    const output = spawnSync('id', [flag, 'frr'], { encoding: 'utf8' });
    const value = Number.parseInt(output.stdout, 10);
    if (output.status !== 0 || !Number.isInteger(value)) throw new Error(`FRR is not installed (no user frr): apt-get install frr; ${output.stderr}`);
    return value;
  };
  ids = { uid: id('-u'), gid: id('-g') };
  return ids;
}
