/**
 * AddressPort over rtnetlink: link lookups and address dumps on one request socket; link and
 * address notifications on a second socket that exists only while someone watches, so that
 * replies and notifications never interleave on one socket.
 *
 * The `netlink` package supplies those sockets, framing, sequence numbers, multicast membership
 * and the request encoders; replies are read by ./netlink-parse.ts.
 *
 * Adds and deletes go through the native addon instead, synchronously (native/rtnl_address.c):
 * a takeover's add between its advertisement and its gratuitous ARP took 0.3-2 ms of JavaScript
 * on the package's request path, and a few microseconds this way (issue 8 precision).
 */

import { AttrStream, createNetlink, FlagsGet, Protocol, rt, type NetlinkMessage, type NetlinkSocket } from './netlink-lib.js';
import { addressLength, formatAddress, type IpFamily } from '../protocol/ip-address.js';
import {
  AF_UNSPEC,
  familyNumber,
  parseAddressMessage,
  parseLinkMessage,
  RTM_DELADDR,
  RTM_DELLINK,
  RTM_GETADDR,
  RTM_GETLINK,
  RTM_NEWADDR,
  RTM_NEWLINK,
  RTNLGRP_IPV4_IFADDR,
  RTNLGRP_IPV6_IFADDR,
  RTNLGRP_LINK,
} from './netlink-parse.js';
import { changeAddress } from './native.js';
import { RtnlRequester, toNetError } from './netlink-requests.js';
import { NetError, type AddressEntry, type AddressPort, type LinkInfo, type NetlinkChange } from './ports.js';

/** Linux IFNAMSIZ less the terminating NUL: no interface can have a longer name. */
const MAX_IFNAME_BYTES = 15;
/**
 * Notifications arrive in bursts (an interface going down drops all its addresses at once);
 * when the receive buffer overflows the kernel drops them and reports ENOBUFS. The kernel caps
 * what we ask for at net.core.rmem_max.
 */
const WATCH_RECEIVE_BUFFER = 1 << 20;

export interface AddressPortOptions {
  /**
   * Asynchronous errors of the notification socket. After ENOBUFS (notifications were lost) the
   * port re-reads every link and address and delivers them as `link` and `address-added`
   * changes; removals lost in the overflow cannot be replayed, so callers should re-check.
   */
  readonly onWatchError?: (error: NetError) => void;
}

export async function openAddressPort(options: AddressPortOptions = {}): Promise<AddressPort> {
  return new NetlinkAddressPort(RtnlRequester.open(), options);
}

class NetlinkAddressPort implements AddressPort {
  private readonly listeners = new Set<(change: NetlinkChange) => void>();
  private watchSocket: NetlinkSocket | null = null;
  private closed = false;
  private readonly parsed = new WeakMap<NetlinkMessage[], AddressEntry[]>();

  constructor(
    private readonly requests: RtnlRequester,
    private readonly options: AddressPortOptions,
  ) {}

  async getLink(name: string): Promise<LinkInfo | null> {
    const operation = `get link ${name}`;
    if (Buffer.byteLength(name) > MAX_IFNAME_BYTES || name === '') return null;
    const payload = new AttrStream();
    rt.formatLinkMessage({ kind: 'link', data: {}, attrs: { ifname: name } }, payload);
    try {
      const replies = await this.requests.request(RTM_GETLINK, 0, payload.bufs, operation);
      for (const reply of replies) {
        const parsed = reply.type === RTM_NEWLINK ? parseLinkMessage(reply.data) : null;
        if (parsed !== null) return parsed.link;
      }
      return null;
    } catch (error) {
      if (error instanceof NetError && error.code === 'ENODEV') return null;
      throw error;
    }
  }

  async listAddresses(ifindex: number, family: IpFamily): Promise<AddressEntry[]> {
    const payload = new AttrStream();
    rt.formatAddressMessage({ kind: 'address', data: { family: familyNumber(family), index: ifindex }, attrs: {} }, payload);
    const operation = `list IPv${family} addresses of ifindex ${ifindex}`;
    const replies = await this.requests.request(RTM_GETADDR, FlagsGet.DUMP, payload.bufs, operation);
    // Without NETLINK_GET_STRICT_CHK (which the package cannot set) the kernel ignores the
    // ifindex of a dump request and returns the family's addresses on every interface.
    return this.parsedDump(replies).filter((entry) => entry.ifindex === ifindex && entry.family === family);
  }

  /** A dump's entries, parsed once however many callers shared it (netlink-requests.ts). */
  private parsedDump(replies: NetlinkMessage[]): AddressEntry[] {
    let entries = this.parsed.get(replies);
    if (entries === undefined) {
      entries = replies.map((reply) => (reply.type === RTM_NEWADDR ? parseAddressMessage(reply.data) : null)).filter((entry): entry is AddressEntry => entry !== null);
      this.parsed.set(replies, entries);
    }
    return entries;
  }

  addAddress(ifindex: number, family: IpFamily, address: Uint8Array, prefixLength: number, options: { nodad: boolean }): Promise<void> {
    // NODAD means something only to IPv6; it keeps the address from starting out tentative.
    return this.change(true, ifindex, family, address, prefixLength, family === 6 && options.nodad, ADD_DONE_ALREADY, () => `add ${describe(address, prefixLength)} to ifindex ${ifindex}`);
  }

  deleteAddress(ifindex: number, family: IpFamily, address: Uint8Array, prefixLength: number): Promise<void> {
    return this.change(false, ifindex, family, address, prefixLength, false, DELETE_DONE_ALREADY, () => `delete ${describe(address, prefixLength)} from ifindex ${ifindex}`);
  }

  /**
   * One add or delete; the kernel's answers in `doneAlready` mean the wish already holds.
   * `operation` is worked out only for an error: a takeover's add should not spend its time
   * formatting.
   */
  private async change(add: boolean, ifindex: number, family: IpFamily, address: Uint8Array, prefixLength: number, nodad: boolean, doneAlready: ReadonlySet<string>, operation: () => string): Promise<void> {
    this.checkOpen();
    if (address.length !== addressLength(family)) throw new NetError('EINVAL', operation());
    try {
      changeAddress(add, family, ifindex, address, prefixLength, nodad, operation);
    } catch (error) {
      if (error instanceof NetError && doneAlready.has(error.code)) return;
      throw error;
    }
  }

  /**
   * Runs the add and delete path down to the kernel, which refuses it without acting: ifindex 0
   * names no interface (ENODEV). A Backup that has never been master would otherwise compile
   * this code in its first takeover, between the advertisement and the gratuitous ARP
   * (warm-up.ts).
   */
  rehearse(): void {
    for (const [family, address, prefixLength] of REHEARSAL_ADDRESSES) {
      this.addAddress(0, family, address, prefixLength, { nodad: true }).catch(() => undefined);
      this.deleteAddress(0, family, address, prefixLength).catch(() => undefined);
    }
  }

  private checkOpen(): void {
    if (this.closed) throw new NetError('EBADF', 'change an address on a closed rtnetlink port');
  }

  watch(listener: (change: NetlinkChange) => void): () => void {
    if (this.closed) throw new NetError('EBADF', 'watch links and addresses');
    if (this.watchSocket === null) this.watchSocket = this.openWatchSocket();
    // A wrapper, so that one listener passed twice is two subscriptions, as the caller expects.
    const subscription = (change: NetlinkChange): void => listener(change);
    this.listeners.add(subscription);
    return () => {
      this.listeners.delete(subscription);
      if (this.listeners.size === 0) this.closeWatchSocket();
    };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.listeners.clear();
    this.closeWatchSocket();
    this.requests.close();
  }

  private openWatchSocket(): NetlinkSocket {
    const operation = 'subscribe to link and address changes';
    let socket: NetlinkSocket | undefined;
    try {
      socket = createNetlink(Protocol.ROUTE);
      // Referenced: while someone watches, the process should stay up to hear about changes.
      socket.ref();
      socket.setRecvBufferSize(WATCH_RECEIVE_BUFFER);
      for (const group of [RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR]) socket.addMembership(group);
    } catch (error) {
      socket?.close();
      throw toNetError(error, operation);
    }
    socket.on('message', (messages, from) => {
      // Only the kernel (port 0) speaks for the kernel; another privileged process could send
      // to these groups too.
      if (from.port !== 0) return;
      for (const message of messages) this.deliver(message);
    });
    socket.on('error', (error) => this.onWatchError(toNetError(error, 'receive link and address changes')));
    return socket;
  }

  private closeWatchSocket(): void {
    this.watchSocket?.close();
    this.watchSocket = null;
  }

  private deliver(message: NetlinkMessage): void {
    const change = toChange(message);
    if (change === null) return;
    for (const listener of [...this.listeners]) listener(change);
  }

  private onWatchError(error: NetError): void {
    this.options.onWatchError?.(error);
    if (error.code === 'ENOBUFS') void this.resync();
  }

  /** Re-reads the whole state after lost notifications and delivers it as changes. */
  private async resync(): Promise<void> {
    try {
      const links = new AttrStream();
      rt.formatLinkMessage({ kind: 'link', data: {}, attrs: {} }, links);
      const addresses = new AttrStream();
      rt.formatAddressMessage({ kind: 'address', data: {}, attrs: {} }, addresses);
      const replies = [
        ...(await this.requests.request(RTM_GETLINK, FlagsGet.DUMP, links.bufs, 'list links')),
        ...(await this.requests.request(RTM_GETADDR, FlagsGet.DUMP, addresses.bufs, 'list addresses')),
      ];
      for (const reply of replies) if (this.watchSocket !== null) this.deliver(reply);
    } catch (error) {
      this.options.onWatchError?.(toNetError(error, 'resynchronise after lost changes'));
    }
  }
}

function toChange(message: NetlinkMessage): NetlinkChange | null {
  switch (message.type) {
    case RTM_NEWLINK:
    case RTM_DELLINK: {
      const parsed = parseLinkMessage(message.data);
      // Bridges also announce their ports as AF_BRIDGE link messages, a DELLINK among them when
      // a port merely leaves the bridge; only AF_UNSPEC messages speak for the link itself.
      if (parsed === null || parsed.family !== AF_UNSPEC) return null;
      return message.type === RTM_DELLINK ? { type: 'link-removed', link: { ...parsed.link, up: false } } : { type: 'link', link: parsed.link };
    }
    case RTM_NEWADDR:
    case RTM_DELADDR: {
      // RTM_NEWADDR also reports changes to an existing address, such as DAD finishing and
      // IFA_F_TENTATIVE clearing: "added" means "present, as described".
      const entry = parseAddressMessage(message.data);
      if (entry === null) return null;
      return { type: message.type === RTM_NEWADDR ? 'address-added' : 'address-removed', entry };
    }
    default:
      return null;
  }
}

/** An address already there (we add with EXCL, so that the kernel says so). */
const ADD_DONE_ALREADY: ReadonlySet<string> = new Set(['EEXIST']);
/**
 * IPv4 and IPv6 both say EADDRNOTAVAIL for an address that is not there; ENOENT is kept for
 * kernels that have said it instead. ENODEV: the interface is gone, and its addresses with it.
 */
const DELETE_DONE_ALREADY: ReadonlySet<string> = new Set(['EADDRNOTAVAIL', 'ENOENT', 'ENODEV']);

/** Documentation addresses (RFC 5737, RFC 3849), never installed: the rehearsal names no interface. */
const REHEARSAL_ADDRESSES: ReadonlyArray<readonly [IpFamily, Uint8Array, number]> = [
  [4, new Uint8Array([192, 0, 2, 1]), 32],
  [6, new Uint8Array([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]), 128],
];

function describe(address: Uint8Array, prefixLength: number): string {
  return `${formatAddress(address)}/${prefixLength}`;
}
