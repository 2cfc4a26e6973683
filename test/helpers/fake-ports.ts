/** In-memory adapters for the runtime: they record what the daemon asked of the system. */

import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { IpFamily } from '../../src/protocol/ip-address.js';
import { formatAddress, parseAddress, sameAddress } from '../../src/protocol/ip-address.js';
import { NetError, type AddressEntry, type AddressPort, type FrameSender, type InboundPacket, type LinkInfo, type NetlinkChange, type VrrpTransport } from '../../src/net/ports.js';
import type { Logger } from '../../src/runtime/logger.js';

/** Everything the ports saw, in one ordered list: the order across ports is what tests check. */
export type Call =
  | { kind: 'send'; dst: string; message: Uint8Array }
  | { kind: 'add' | 'del'; address: string; prefixLength: number }
  | { kind: 'frame'; frame: Uint8Array };

export class Recorder {
  readonly calls: Call[] = [];
}

export class FakeTransport implements VrrpTransport {
  private listener: ((packet: InboundPacket) => void) | null = null;
  closed = false;
  /** What the kernel would say it dropped; a test sets it. */
  kernelDrops = 0;
  constructor(private readonly recorder: Recorder) {}
  send(message: Uint8Array, _src: Uint8Array, dst: Uint8Array): void {
    this.recorder.calls.push({ kind: 'send', dst: formatAddress(dst), message });
  }
  /** The messages handed to prepare() (built ahead), newest last; not in the recorder's calls. */
  readonly prepared: Uint8Array[] = [];
  prepare(message: Uint8Array): void {
    this.prepared.push(message);
  }
  onPacket(listener: (packet: InboundPacket) => void): void {
    this.listener = listener;
  }
  onSendError(_listener: (error: NetError) => void): void {}
  private receiveError: ((error: NetError, fatal: boolean) => void) | null = null;
  onReceiveError(listener: (error: NetError, fatal: boolean) => void): void {
    this.receiveError = listener;
  }
  deliver(packet: InboundPacket): void {
    this.listener?.(packet);
  }
  /** Packets the kernel has, not yet read: drain() delivers them (a busy loop, a late timer). */
  readonly queued: InboundPacket[] = [];
  drains = 0;
  drain(): void {
    this.drains++;
    for (const packet of this.queued.splice(0)) this.deliver(packet);
  }
  failReceive(error: NetError, fatal: boolean): void {
    this.receiveError?.(error, fatal);
  }
  close(): void {
    this.closed = true;
  }
}

/** Decides the fate of one netlink address request: undefined lets it through. */
export type AddressFault = (request: { kind: 'add' | 'del'; address: string; prefixLength: number; attempt: number }) => Error | 'hang' | undefined;

export class FakeAddresses implements AddressPort {
  readonly present: AddressEntry[] = [];
  /** The links by name; a test deletes or replaces them. */
  readonly links = new Map<string, LinkInfo>();
  /** Set to fail (or never answer) requests on demand; every attempt is counted per address. */
  fault: AddressFault | undefined;
  private readonly attempts = new Map<string, number>();
  /** The ifindex of every add and delete, in order. */
  readonly ifindexes: number[] = [];
  private listener: ((change: NetlinkChange) => void) | null = null;
  constructor(
    private readonly recorder: Recorder,
    link: LinkInfo,
  ) {
    this.links.set(link.name, link);
  }
  async getLink(name: string): Promise<LinkInfo | null> {
    return this.links.get(name) ?? null;
  }
  /** How many of the next listAddresses() calls fail (a netlink dump that timed out). */
  failLists = 0;
  async listAddresses(ifindex: number, family: IpFamily): Promise<AddressEntry[]> {
    if (this.failLists > 0) {
      this.failLists--;
      throw new NetError('ETIMEDOUT', `list addresses of ifindex ${ifindex}`);
    }
    return this.present.filter((e) => e.ifindex === ifindex && e.family === family);
  }
  async addAddress(ifindex: number, _family: IpFamily, address: Uint8Array, prefixLength: number): Promise<void> {
    this.recorder.calls.push({ kind: 'add', address: formatAddress(address), prefixLength });
    this.ifindexes.push(ifindex);
    await this.decide('add', address, prefixLength);
  }
  async deleteAddress(ifindex: number, _family: IpFamily, address: Uint8Array, prefixLength: number): Promise<void> {
    this.recorder.calls.push({ kind: 'del', address: formatAddress(address), prefixLength });
    this.ifindexes.push(ifindex);
    await this.decide('del', address, prefixLength);
  }
  private decide(kind: 'add' | 'del', address: Uint8Array, prefixLength: number): Promise<void> {
    const key = `${kind} ${formatAddress(address)}/${prefixLength}`;
    const attempt = (this.attempts.get(key) ?? 0) + 1;
    this.attempts.set(key, attempt);
    const outcome = this.fault?.({ kind, address: formatAddress(address), prefixLength, attempt });
    if (outcome === 'hang') return new Promise(() => undefined);
    return outcome === undefined ? Promise.resolve() : Promise.reject(outcome);
  }
  watch(listener: (change: NetlinkChange) => void): () => void {
    this.listener = listener;
    return () => (this.listener = null);
  }
  emit(change: NetlinkChange): void {
    this.listener?.(change);
  }
  close(): void {}
}

export class FakeFrames implements FrameSender {
  constructor(private readonly recorder: Recorder) {}
  send(frame: Uint8Array): void {
    this.recorder.calls.push({ kind: 'frame', frame });
  }
  close(): void {}
}

/** A pino logger whose JSON lines are kept in memory. */
export function memoryLogger(): { log: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { log: pino({ level: 'debug', base: undefined }, stream), lines };
}

export const LINK: LinkInfo = { ifindex: 7, name: 'eth0', mac: new Uint8Array([2, 0, 0, 0, 0, 1]), up: true, mtu: 1500 };

/**
 * An AddressPort that keeps addresses as the kernel does, on several links: a delete removes
 * only the entry with that exact prefix length, an absent one is not an error. Faults on demand:
 * `failDeletes` makes the next deletes of an address throw, `stuck` makes deletes of it return
 * without removing it, `failLists` makes the next dumps throw.
 */
export class FakeKernelAddresses implements AddressPort {
  readonly entries: AddressEntry[] = [];
  readonly deletes: string[] = [];
  private readonly deleteFaults = new Map<string, { code: string; times: number }>();
  private readonly stuckAddresses = new Set<string>();
  private listFaults: { code: string; times: number } | null = null;

  constructor(private readonly links: readonly LinkInfo[]) {}

  /** Puts `text` ("203.0.113.10/24") on the link named `link`. */
  put(link: string, text: string): void {
    const info = this.links.find((l) => l.name === link);
    const [address, length] = text.split('/');
    const bytes = parseAddress(address ?? '');
    if (info === undefined || bytes === null) throw new Error(`test bug: ${link} ${text}`);
    const family: IpFamily = bytes.length === 4 ? 4 : 6;
    this.entries.push({ ifindex: info.ifindex, family, address: bytes, prefixLength: Number(length), scope: 'global', secondary: false, tentative: false });
  }

  /** "address/length" of every entry on `link`, sorted. */
  on(link: string): string[] {
    const ifindex = this.links.find((l) => l.name === link)?.ifindex;
    return this.entries.filter((e) => e.ifindex === ifindex).map((e) => `${formatAddress(e.address)}/${e.prefixLength}`).sort();
  }

  failDeletes(address: string, code: string, times = Infinity): void {
    this.deleteFaults.set(address, { code, times });
  }

  stuck(address: string): void {
    this.stuckAddresses.add(address);
  }

  failLists(code: string, times = Infinity): void {
    this.listFaults = { code, times };
  }

  async getLink(name: string): Promise<LinkInfo | null> {
    return this.links.find((l) => l.name === name) ?? null;
  }

  async listAddresses(ifindex: number, family: IpFamily): Promise<AddressEntry[]> {
    if (this.listFaults !== null && this.listFaults.times-- > 0) throw new NetError(this.listFaults.code, `list IPv${family} addresses of ifindex ${ifindex}`);
    return this.entries.filter((e) => e.ifindex === ifindex && e.family === family);
  }

  async addAddress(ifindex: number, family: IpFamily, address: Uint8Array, prefixLength: number): Promise<void> {
    if (this.entries.some((e) => e.ifindex === ifindex && sameAddress(e.address, address) && e.prefixLength === prefixLength)) return;
    this.entries.push({ ifindex, family, address, prefixLength, scope: 'global', secondary: false, tentative: false });
  }

  async deleteAddress(ifindex: number, _family: IpFamily, address: Uint8Array, prefixLength: number): Promise<void> {
    const text = formatAddress(address);
    this.deletes.push(`${text}/${prefixLength}`);
    const fault = this.deleteFaults.get(text);
    if (fault !== undefined && fault.times-- > 0) throw new NetError(fault.code, `delete ${text}/${prefixLength} from ifindex ${ifindex}`);
    if (this.stuckAddresses.has(text)) return;
    const index = this.entries.findIndex((e) => e.ifindex === ifindex && sameAddress(e.address, address) && e.prefixLength === prefixLength);
    if (index >= 0) this.entries.splice(index, 1);
  }

  watch(): () => void {
    return () => undefined;
  }

  close(): void {}
}
