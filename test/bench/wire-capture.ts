/**
 * The client's view of the segment, for takeover figures: tcpdump in the client namespace with
 * nanosecond timestamps (taken as the frames reach the client), VRRP advertisements of both
 * families and the announcements of a new master (gratuitous ARP, unsolicited NA), parsed as
 * lines arrive.
 */

import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { NsProcess } from '../integration/helpers/topology.js';

export interface Packet {
  /** ms since the first frame captured (from tcpdump's nanosecond timestamps). */
  readonly t: number;
  readonly srcMac: string;
  readonly kind: 'vrrp' | 'announce';
  /** VRRP: the source address (IPv4, or the IPv6 link-local). */
  readonly srcIp?: string;
  readonly vrid?: number;
  readonly prio?: number;
  /** Announcements: the address announced (ARP who-has / NA target). */
  readonly target?: string;
}

const HEAD = /^(\d+)\.(\d{9}) ([0-9a-f:]{17}) > [0-9a-f:]{17}, ethertype (IPv4|IPv6|ARP) \(0x[0-9a-f]+\), length \d+: (.*)$/;
const VRRP = /^(\S+) > \S+: VRRPv3, Advertisement, vrid (\d+), prio (\d+)/;
const ARP = /^(?:Request who-has|Reply) (\S+)/;
const NA = /ICMP6, neighbor advertisement, tgt is ([0-9a-f:.]+)/;

/** One tcpdump -e -nn -tt line → a Packet, or null for frames that are neither (MLD, NS …). */
export function parseLine(line: string, base: bigint): { packet: Packet; ns: bigint } | null {
  const head = HEAD.exec(line);
  if (head === null) return null;
  const ns = BigInt(head[1] as string) * 1_000_000_000n + BigInt(head[2] as string);
  const t = Number(ns - base) / 1e6;
  const srcMac = head[3] as string;
  const rest = head[5] as string;
  const vrrp = VRRP.exec(rest);
  if (vrrp !== null) return { ns, packet: { t, srcMac, kind: 'vrrp', srcIp: vrrp[1] as string, vrid: Number(vrrp[2]), prio: Number(vrrp[3]) } };
  const announced = (head[4] === 'ARP' ? ARP : NA).exec(rest);
  if (announced !== null) return { ns, packet: { t, srcMac, kind: 'announce', target: announced[1] as string } };
  return null;
}

export class WireCapture extends NsProcess {
  readonly packets: Packet[] = [];
  private parsed = 0;
  private base: bigint | null = null;

  constructor(ns: string) {
    super(ns, ['tcpdump', '-i', 'eth0', '-l', '-nn', '-e', '-tt', '--time-stamp-precision=nano', 'ip proto 112 or ip6 proto 112 or arp or icmp6']);
  }

  async ready(): Promise<void> {
    await this.until(() => (this.raw.some((line) => line.includes('listening on')) ? true : undefined), 5000, 'tcpdump to listen');
  }

  update(): Packet[] {
    for (; this.parsed < this.raw.length; this.parsed++) {
      const line = this.raw[this.parsed] as string;
      const found = parseLine(line, this.base ?? 0n);
      if (found === null) continue;
      if (this.base === null) {
        this.base = found.ns;
        this.packets.push({ ...found.packet, t: 0 });
      } else this.packets.push(found.packet);
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
