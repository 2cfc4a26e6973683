/**
 * The small interfaces the runtime drives the system through. Each has one Linux adapter in
 * this folder; tests may pass their own. Addresses are network-order bytes, as in protocol/.
 */

import type { IpFamily } from '../protocol/ip-address.js';

export interface LinkInfo {
  readonly ifindex: number;
  readonly name: string;
  /** The NIC's own MAC: announcements use it, never a virtual MAC. */
  readonly mac: Uint8Array;
  /** Administratively up (IFF_UP) and with carrier (IFF_RUNNING / IFF_LOWER_UP). */
  readonly up: boolean;
  readonly mtu: number;
}

export type AddressScope = 'global' | 'link' | 'host' | 'other';

export interface AddressEntry {
  readonly ifindex: number;
  readonly family: IpFamily;
  readonly address: Uint8Array;
  readonly prefixLength: number;
  readonly scope: AddressScope;
  /** IFA_F_SECONDARY: an IPv4 address that is not the first of its subnet. */
  readonly secondary: boolean;
  /** IFA_F_TENTATIVE: IPv6 duplicate address detection not finished; not usable as a source yet. */
  readonly tentative: boolean;
}

export type NetlinkChange =
  | { readonly type: 'link'; readonly link: LinkInfo }
  /** The interface was deleted (RTM_DELLINK): its sockets and addresses went with it. */
  | { readonly type: 'link-removed'; readonly link: LinkInfo }
  | { readonly type: 'address-added'; readonly entry: AddressEntry }
  | { readonly type: 'address-removed'; readonly entry: AddressEntry };

/** rtnetlink: interfaces and their addresses. */
export interface AddressPort {
  getLink(name: string): Promise<LinkInfo | null>;
  listAddresses(ifindex: number, family: IpFamily): Promise<AddressEntry[]>;
  /** Adds an address; one already present is not an error. IPv6 with nodad when asked. */
  addAddress(ifindex: number, family: IpFamily, address: Uint8Array, prefixLength: number, options: { nodad: boolean }): Promise<void>;
  /** Removes an address; one already absent is not an error. */
  deleteAddress(ifindex: number, family: IpFamily, address: Uint8Array, prefixLength: number): Promise<void>;
  /** Runs the add and delete code without changing anything, so that it is compiled (warm-up.ts). */
  rehearse?(): void;
  /** Link and address changes from the kernel's multicast groups; returns an unsubscribe. */
  watch(listener: (change: NetlinkChange) => void): () => void;
  close(): void;
}

/** One VRRP datagram as received, before any check. */
export interface InboundPacket {
  readonly family: IpFamily;
  readonly ifindex: number;
  readonly src: Uint8Array;
  readonly dst: Uint8Array;
  /** IPv4 TTL or IPv6 hop limit, as the kernel received it. */
  readonly ttl: number;
  readonly message: Uint8Array;
  /**
   * How long before its delivery the kernel received it (SO_TIMESTAMPNS, realtime clock), in
   * ms; absent when unknown. Not checked here: a clock step can make it negative or absurd.
   */
  readonly ageMs?: number;
  /**
   * When `ageMs` was measured, on the monotonic clock (performance.now(), the scheduler's): the
   * addon takes the age as it reads a batch, and the packet reaches its instance later (the rest
   * of the batch, the checks), so the arrival is readAtMs − ageMs, not "now" − ageMs.
   */
  readonly readAtMs?: number;
}

/** Raw IP protocol 112 on one interface and family; shared by every instance there. */
export interface VrrpTransport {
  /** Sends one VRRP message with TTL / hop limit 255 from `src` to `dst`. Throws a NetError. */
  send(message: Uint8Array, src: Uint8Array, dst: Uint8Array): void;
  /**
   * Optional: build ahead whatever send() would build for exactly this message object, so that
   * a later send() of it goes straight to the system call (a Backup's takeover advertisement).
   * Never throws: a transport that cannot build ahead leaves the work to send().
   */
  prepare?(message: Uint8Array, src: Uint8Array, dst: Uint8Array): void;
  onPacket(listener: (packet: InboundPacket) => void): void;
  /** Failures the transport learns after send() returned (a queued send that failed). */
  onSendError(listener: (error: NetError) => void): void;
  /**
   * Receive failures. `fatal`: the socket no longer receives at all; a backup that cannot hear
   * would wrongly take the role, so the instances there go to Fault.
   */
  onReceiveError(listener: (error: NetError, fatal: boolean) => void): void;
  /** Datagrams the kernel dropped since the socket opened: its receive queue was full (SO_RXQ_OVFL). */
  readonly kernelDrops: number;
  /**
   * Reads what the kernel has queued now and delivers it to the packet listener before it
   * returns: asked before a Backup declares its Active router down (instance-driver.ts).
   */
  drain(): void;
  close(): void;
}

/** AF_PACKET: whole Ethernet frames (gratuitous ARP, unsolicited NA) from the NIC's own MAC. */
export interface FrameSender {
  send(frame: Uint8Array): void;
  /** Runs the send code without sending anything, so that it is compiled (warm-up.ts). */
  rehearse?(): void;
  close(): void;
}

/** A system error with a stable code (errno name) and the operation that failed. */
export class NetError extends Error {
  constructor(
    readonly code: string,
    readonly operation: string,
    options?: { cause?: unknown },
  ) {
    super(`${operation}: ${code}`, options);
    this.name = 'NetError';
  }
}
