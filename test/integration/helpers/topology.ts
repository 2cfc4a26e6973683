/**
 * Test networks in namespaces: one namespace holds a bridge (the provider's LAN), each member
 * and an optional client get a namespace with one veth `eth0` plugged into it. Documentation
 * addresses only: 192.0.2.0/24 for the members' own addresses, link-local for IPv6, and the
 * failover IPs the tests choose (203.0.113.0/24, 2001:db8::/32). MACs are fixed
 * (02:00:00:00:00:NN) so that a test can say which member sent a frame.
 *
 * Used by the integration and interop tests and by the demo; everything it makes is removed by
 * destroy(), which is safe to call twice and after a partial setup.
 */

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Member {
  readonly index: number;
  readonly ns: string;
  readonly mac: string;
  readonly ipv4: string;
  readonly linkLocal: string;
}

export interface Topology {
  readonly id: string;
  /** The namespace holding the bridge br0; member N is plugged in at port pN. */
  readonly hub: string;
  readonly members: readonly Member[];
  /** A namespace that only watches: ARP caches and captures, as the provider's router would. */
  readonly client: Member;
  destroy(): Promise<void>;
}

async function sh(...args: string[]): Promise<string> {
  const { stdout } = await run(args[0] as string, args.slice(1), { encoding: 'utf8' });
  return stdout;
}

export async function inNs(ns: string, ...args: string[]): Promise<string> {
  return sh('ip', 'netns', 'exec', ns, ...args);
}

/** IPv6 link-locals that are usable at once: no DAD wait, no random delay (see README facts). */
async function prepareIpv6(ns: string, linkLocal: string): Promise<void> {
  for (const key of ['dad_transmits=0', 'router_solicitation_delay=0', 'addr_gen_mode=1']) {
    await inNs(ns, 'sysctl', '-qw', `net.ipv6.conf.eth0.${key}`);
  }
  await inNs(ns, 'ip', '-6', 'addr', 'add', `${linkLocal}/64`, 'dev', 'eth0');
}

/**
 * Gives `member` its eth0: a veth pair whose hub end pN is plugged into br0, with the member's
 * fixed MAC and addresses. Also how the chaos soak re-creates a member's deleted interface.
 */
export async function plugMember(hub: string, member: Member): Promise<void> {
  // Create the pair inside the hub, then move one end: names never clash with the host's.
  await inNs(hub, 'ip', 'link', 'add', `p${member.index}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', member.ns);
  await inNs(hub, 'ip', 'link', 'set', `p${member.index}`, 'master', 'br0', 'up');
  await inNs(member.ns, 'ip', 'link', 'set', 'eth0', 'address', member.mac);
  await inNs(member.ns, 'ip', 'addr', 'add', `${member.ipv4}/24`, 'dev', 'eth0');
  await prepareIpv6(member.ns, member.linkLocal);
  await inNs(member.ns, 'ip', 'link', 'set', 'eth0', 'up');
}

export async function createTopology(memberCount: number, options: { prefix?: string } = {}): Promise<Topology> {
  const id = `${options.prefix ?? 'ipfo-t'}-${randomBytes(3).toString('hex')}`;
  const hub = `${id}-br`;
  const made: string[] = [];
  const destroy = async (): Promise<void> => {
    for (const ns of made.splice(0).reverse()) {
      await sh('ip', 'netns', 'pids', ns)
        .then((pids) => Promise.all(pids.split(/\s+/).filter(Boolean).map((pid) => sh('kill', '-9', pid).catch(() => ''))))
        .catch(() => undefined);
      await sh('ip', 'netns', 'del', ns).catch(() => undefined);
    }
  };
  try {
    await sh('ip', 'netns', 'add', hub);
    made.push(hub);
    await inNs(hub, 'ip', 'link', 'add', 'br0', 'type', 'bridge');
    await inNs(hub, 'ip', 'link', 'set', 'br0', 'up');
    await inNs(hub, 'ip', 'link', 'set', 'lo', 'up');
    const attach = async (index: number, name: string): Promise<Member> => {
      const ns = `${id}-${name}`;
      const hex = index.toString(16).padStart(2, '0');
      const member: Member = { index, ns, mac: `02:00:00:00:00:${hex}`, ipv4: `192.0.2.${index}`, linkLocal: `fe80::${hex}` };
      await sh('ip', 'netns', 'add', ns);
      made.push(ns);
      await inNs(ns, 'ip', 'link', 'set', 'lo', 'up');
      await plugMember(hub, member);
      return member;
    };
    const members: Member[] = [];
    for (let i = 1; i <= memberCount; i++) members.push(await attach(i, `m${i}`));
    const client = await attach(200, 'client');
    // The client learns neighbours from gratuitous ARP, as a provider's router does.
    await inNs(client.ns, 'sysctl', '-qw', 'net.ipv4.conf.eth0.arp_accept=1');
    return { id, hub, members, client, destroy };
  } catch (error) {
    await destroy();
    throw error;
  }
}

/** Who holds `address` (plain, no prefix) on eth0, among the namespaces given. */
export async function holders(members: readonly Member[], address: string): Promise<number[]> {
  const found: number[] = [];
  for (const member of members) {
    const json = JSON.parse(await inNs(member.ns, 'ip', '-j', 'addr', 'show', 'dev', 'eth0')) as Array<{ addr_info: Array<{ local: string }> }>;
    if (json.some((link) => link.addr_info.some((info) => info.local === address))) found.push(member.index);
  }
  return found;
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number, everyMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** A background process in a namespace whose stdout lines are kept (JSON parsed when possible). */
export class NsProcess {
  readonly lines: Array<Record<string, unknown>> = [];
  readonly raw: string[] = [];
  readonly child: ChildProcess;
  private readonly waiters: Array<() => void> = [];
  exited: Promise<number | null>;

  constructor(ns: string, command: readonly string[], env: Record<string, string> = {}) {
    this.child = spawn('ip', ['netns', 'exec', ns, ...command], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let buffer = '';
    const take = (chunk: Buffer): void => {
      buffer += chunk.toString('utf8');
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        this.raw.push(line);
        try {
          this.lines.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          this.lines.push({ text: line });
        }
        for (const wake of this.waiters.splice(0)) wake();
      }
    };
    this.child.stdout?.on('data', take);
    this.child.stderr?.on('data', take);
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
  }

  /** Waits for a line matching `match` (all its fields equal), seen at or after line `from`. */
  async waitLine(match: Record<string, unknown>, timeoutMs: number, from = 0): Promise<Record<string, unknown>> {
    const find = () => this.lines.slice(from).find((line) => Object.entries(match).every(([k, v]) => line[k] === v));
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const line = find();
      if (line !== undefined) return line;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no line matching ${JSON.stringify(match)} within ${timeoutMs} ms; got:\n${this.raw.slice(-15).join('\n')}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    // `ip netns exec` execs the command, so the child's pid is the daemon's own.
    this.child.kill(signal);
  }
}
