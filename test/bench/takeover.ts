/**
 * Takeover time of real daemons, measured on the wire; figures, never assertions.
 *
 * Three members on one bridge; m1 and m2 have the priority under test, m3 a lower one (it only
 * watches, and must never win). The master is stopped — SIGKILL (ipfailoverd: the process;
 * keepalived: its VRRP child), or SIGTERM (a graceful stop: priority-0 advertisement, RFC 9568
 * §6.4.3) — and the other one takes over; the stopped one is restarted as a Backup and the roles
 * swap for the next trial.
 *
 * tcpdump in the client namespace (nanosecond timestamps, taken as the frames reach the client):
 *   takeover = first advertisement from the new master − last advertisement from the old one;
 *   limit    = Active_Down_Interval of the new master (SIGKILL: its timer was reset by that last
 *              advertisement), or its Skew_Time (graceful: the last one is the priority-0 release);
 *   overhead = takeover − limit: all that the implementation adds (receive path, timer lag,
 *              transition, send path);
 *   ann−adv  = first gratuitous ARP / unsolicited NA from the new master's MAC − its first
 *              advertisement.
 */

import { SocketAddress } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { activeDownIntervalMs, skewTimeMs } from '../../src/protocol/timers.js';
import type { Member } from '../integration/helpers/topology.js';
import type { Lab } from './lab.js';
import type { Implementation, InstanceSpec, RunningPeer } from './peer.js';
import type { Packet, WireCapture } from './wire-capture.js';

export type StopKind = 'SIGKILL' | 'graceful';
export type Family = 'IPv4' | 'IPv6';

export interface TakeoverScenario {
  readonly intervalMs: number;
  readonly family: Family;
  readonly kinds: readonly StopKind[];
  readonly trials: number;
}

export interface TakeoverRun {
  readonly takeover: number;
  readonly overhead: number;
  /** First announcement − first advertisement of the new master (ms); null: none seen. */
  readonly announceDelta: number | null;
  readonly note: string;
}

export const PRIORITY = 100;
const BYSTANDER_PRIORITY = 50;
const VIP: Readonly<Record<Family, { plain: string; cidr: string }>> = {
  IPv4: { plain: '203.0.113.10', cidr: '203.0.113.10/32' },
  IPv6: { plain: '2001:db8::10', cidr: '2001:db8::10/128' },
};

/** The protocol's limit for one kind of stop (RFC 9568 §6.1), ms. */
export function takeoverLimitMs(kind: StopKind, intervalMs: number): number {
  const cs = intervalMs / 10;
  return kind === 'SIGKILL' ? activeDownIntervalMs(PRIORITY, cs) : skewTimeMs(PRIORITY, cs);
}

function canonical(address: string): string {
  return address.includes(':') ? new SocketAddress({ address, family: 'ipv6' }).address : address;
}

/** The address a member's advertisements come from: IPv4, or its link-local (§5.1.2.2). */
function source(member: Member, family: Family): string {
  return canonical(family === 'IPv4' ? member.ipv4 : member.linkLocal);
}

/** The trial's figures from the capture, once the new master has advertised. */
async function measure(capture: WireCapture, mark: number, scenario: TakeoverScenario, kind: StopKind, vrid: number, old: Member, next: Member, bystander: Member): Promise<TakeoverRun> {
  const isFrom = (p: Packet, member: Member) => p.kind === 'vrrp' && p.vrid === vrid && p.srcIp !== undefined && canonical(p.srcIp) === source(member, scenario.family);
  const firstNewIndex = await capture.until(
    () => {
      const i = capture.packets.findIndex((p, index) => index >= mark && isFrom(p, next) && (p.prio ?? 0) > 0);
      return i >= 0 ? i : undefined;
    },
    5000 + 4 * scenario.intervalMs,
    `the first advertisement from m${next.index}`,
  );
  const firstNew = capture.packets[firstNewIndex] as Packet;
  const vip = canonical(VIP[scenario.family].plain);
  const announce = await capture
    .until(() => capture.packets.find((p, index) => index >= mark && p.kind === 'announce' && p.srcMac === next.mac && p.target !== undefined && canonical(p.target) === vip), 1000, 'an announcement')
    .catch(() => undefined);
  let lastOld: Packet | undefined;
  for (let i = firstNewIndex - 1; i >= 0 && lastOld === undefined; i--) if (isFrom(capture.packets[i] as Packet, old)) lastOld = capture.packets[i];
  if (lastOld === undefined) throw new Error(`no advertisement from m${old.index} before the takeover`);
  const notes: string[] = [];
  if (kind === 'graceful' && lastOld.prio !== 0) notes.push(`last advertisement of the old master had prio ${lastOld.prio}, not 0`);
  if (capture.packets.slice(mark, firstNewIndex + 1).some((p) => isFrom(p, bystander) && (p.prio ?? 0) > 0)) notes.push('m3 advertised');
  const takeover = firstNew.t - lastOld.t;
  return { takeover, overhead: takeover - takeoverLimitMs(kind, scenario.intervalMs), announceDelta: announce === undefined ? null : announce.t - firstNew.t, note: notes.join('; ') };
}

/** Runs one scenario with one implementation on members 1–3; trials per stop kind. */
export async function takeovers(lab: Lab, impl: Implementation, scenario: TakeoverScenario, vrid: number): Promise<Map<StopKind, TakeoverRun[]>> {
  const { intervalMs } = scenario;
  const vip = VIP[scenario.family].cidr;
  const spec = (priority: number): InstanceSpec[] => [{ name: 'web', vrid, priority, intervalMs, vip }];
  const peers = new Map<number, RunningPeer>();
  const start = (index: number, priority: number): RunningPeer => {
    const peer = impl.start(lab.member(index), spec(priority));
    peers.set(index, peer);
    return peer;
  };
  const follow = async (peer: RunningPeer): Promise<void> => {
    await peer.ready(15_000);
    // Past its first Active_Down_Interval: it follows the master from now on (or has taken over).
    await sleep(intervalMs * 4 + 100);
  };
  const advertising = (): number => {
    capture.update();
    for (let i = capture.packets.length - 1; i >= 0; i--) {
      const p = capture.packets[i] as Packet;
      if (p.kind !== 'vrrp' || p.vrid !== vrid || (p.prio ?? 0) === 0 || p.srcIp === undefined) continue;
      const found = [1, 2, 3].find((index) => source(lab.member(index), scenario.family) === canonical(p.srcIp as string));
      if (found !== undefined) return found;
    }
    throw new Error('no member advertises');
  };
  const { capture, stop } = await lab.capture();
  const results = new Map<StopKind, TakeoverRun[]>();
  try {
    const first = start(1, PRIORITY);
    await first.ready(15_000);
    await first.waitState('web', 'MASTER', takeoverLimitMs('SIGKILL', intervalMs) + 10_000);
    await Promise.all([follow(start(2, PRIORITY)), follow(start(3, BYSTANDER_PRIORITY))]);
    let master = 1;
    /** The last trial's run, for a note should the member restarted after it take over. */
    let previous: [TakeoverRun[], number] | undefined;
    for (const kind of scenario.kinds) {
      const runs: TakeoverRun[] = [];
      results.set(kind, runs);
      for (let trial = 0; trial < scenario.trials; trial++) {
        // Who is master now, from the wire: a restarted member that heard no advertisement in its
        // first Active_Down_Interval has taken over (equal priorities, higher address wins).
        const current = advertising();
        if (current !== master && previous !== undefined) {
          const [list, i] = previous;
          const run = list[i] as TakeoverRun;
          list[i] = { ...run, note: [run.note, `m${current}, restarted after it, took the role at its start`].filter(Boolean).join('; ') };
        }
        if (current === 3) throw new Error('m3 (the bystander) is master');
        master = current;
        const taker = master === 1 ? 2 : 1;
        const old = peers.get(master) as RunningPeer;
        const mark = capture.update().length;
        await (kind === 'SIGKILL' ? old.crash() : old.release());
        previous = [runs, runs.length];
        runs.push(await measure(capture, mark, scenario, kind, vrid, lab.member(master), lab.member(taker), lab.member(3)));
        await lab.clearVips(lab.member(master));
        // The stopped one comes back as a Backup; the roles swap for the next trial.
        await follow(start(master, PRIORITY));
        master = taker;
      }
    }
  } finally {
    stop();
    for (const peer of peers.values()) await peer.kill();
    for (const index of [1, 2, 3]) await lab.clearVips(lab.member(index));
  }
  return results;
}
