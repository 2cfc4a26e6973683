/**
 * One per interface and family: the instances there share one socket, and each packet goes
 * through the RFC 9568 §7.1 checks once, then to the instance its VRID names. A dropped packet
 * is counted against that instance when its VRID can be read (even a packet with a bad TTL),
 * against the hub otherwise; either way the log line is rate-limited per reason and peer.
 *
 * The hub owns the socket's life: a socket that cannot be opened, or stops receiving, makes its
 * instances deaf (Fault "socket-deaf": a backup that cannot hear would wrongly take the role)
 * and is opened again with backoff; once it is open they rejoin the protocol. Drivers send
 * through `transport`, which always speaks to the socket of the moment. An exception thrown
 * while handling a packet is our bug: it is counted and logged, and the socket reads on.
 *
 * Every datagram is accounted for (snapshot(), shown by status): those the kernel dropped for a
 * full queue, those read (each then counted by its instance, accepted or rejected, or here as
 * unattributed), and those our own handling lost.
 */

import { checkReceived, type ReceivedPacket, type RejectReason } from '../protocol/receive-checks.js';
import { formatAddress } from '../protocol/ip-address.js';
import { NetError, type InboundPacket, type VrrpTransport } from '../net/ports.js';
import { bump } from './counters.js';
import type { InstanceDriver } from './instance-driver.js';
import type { Logger } from './logger.js';
import { RateLimiter } from './rate-limit.js';
import type { Scheduler } from './scheduler.js';
import { messageVersion, VersionPeers, type VersionPeerEntry } from './version-peers.js';


/** Reasons that are the normal life of a shared segment, not an error worth a warning. */
const QUIET: ReadonlySet<RejectReason> = new Set(['unknown-vrid']);

/** Reopening a failed socket: 100 ms doubling to 5 s. */
export const REOPEN_FIRST_MS = 100;
export const REOPEN_MAX_MS = 5_000;

/** One socket's datagram counts, as status reports them. */
export interface SocketSnapshot {
  readonly socket: string;
  readonly deaf: boolean;
  /** Datagrams read from the socket (every one then counted below or by its instance). */
  readonly received: number;
  /** Dropped with no configured instance to count them, by reason. */
  readonly unattributed: Partial<Record<RejectReason, number>>;
  /** Unattributed bad-version drops by source (version-peers.ts), most recently heard first. */
  readonly otherVersions: readonly VersionPeerEntry[];
  readonly handlerErrors: number;
  /** Dropped by the kernel: the receive queue was full (SO_RXQ_OVFL), over every socket opened. */
  readonly kernelDrops: number;
}

export class ReceiveHub {
  private readonly byVrid = new Map<number, InstanceDriver>();
  private readonly limiter = new RateLimiter(60_000);
  /** Drops that could not be tied to a configured instance. */
  readonly unattributed: Partial<Record<RejectReason, number>> = {};
  /** Unattributed bad-version drops by source, bounded. */
  private readonly otherVersions = new VersionPeers();
  /** Exceptions our own packet handling threw (bugs), each one contained. */
  handlerErrors = 0;
  /** Datagrams read, over every socket this hub opened. */
  received = 0;
  /** Kernel drops of the sockets closed before the current one. */
  private closedDrops = 0;
  private socket: VrrpTransport | null = null;
  private failures = 0;
  private closed = false;
  /** What the drivers send through: the current socket, or EBADF while there is none. */
  readonly transport: VrrpTransport;

  constructor(
    private readonly open: () => VrrpTransport,
    private readonly scheduler: Scheduler,
    private readonly log: Logger,
    private readonly key: string,
  ) {
    const hub = this;
    const current = (): VrrpTransport => {
      if (this.socket === null) throw new NetError('EBADF', `send on ${this.key}: the VRRP socket is being reopened`);
      return this.socket;
    };
    this.transport = {
      send: (message, src, dst) => current().send(message, src, dst),
      // Building ahead is an optimisation: with no socket there is nothing to build for, and
      // it must not throw where send() would (the caller's step is not prepared for it).
      prepare: (message, src, dst) => this.socket?.prepare?.(message, src, dst),
      onPacket: () => undefined,
      onSendError: () => undefined,
      onReceiveError: () => undefined,
      get kernelDrops() {
        return hub.kernelDrops;
      },
      drain: () => this.socket?.drain(),
      close: () => this.close(),
    };
    this.openSocket();
  }

  /** Datagrams the kernel dropped on this hub's sockets because the queue was full. */
  get kernelDrops(): number {
    return this.closedDrops + (this.socket?.kernelDrops ?? 0);
  }

  snapshot(): SocketSnapshot {
    return { socket: this.key, deaf: this.deaf, received: this.received, unattributed: { ...this.unattributed }, otherVersions: this.otherVersions.entries(), handlerErrors: this.handlerErrors, kernelDrops: this.kernelDrops };
  }

  /** Whether the socket is open and receiving. */
  get deaf(): boolean {
    return this.socket === null;
  }

  private get reopenKey(): string {
    return `hub/${this.key}/reopen`;
  }

  private openSocket(): void {
    if (this.closed) return;
    let socket: VrrpTransport;
    try {
      socket = this.open();
    } catch (error) {
      this.failures++;
      const delay = Math.min(REOPEN_MAX_MS, REOPEN_FIRST_MS * 2 ** (this.failures - 1));
      if (this.limiter.allow('open-failed', this.scheduler.now())) {
        this.log.error({ err: String(error), socket: this.key, attempt: this.failures, retryInMs: delay, reason: 'socket-deaf' }, 'VRRP socket cannot be opened; its instances stay in FAULT; retrying');
      }
      this.scheduler.schedule(this.reopenKey, this.scheduler.now() + delay, () => this.openSocket());
      return;
    }
    socket.onPacket((packet) => this.receiveGuarded(packet));
    socket.onSendError((error) => {
      for (const driver of this.byVrid.values()) driver.noteSendError(error);
    });
    socket.onReceiveError((error, fatal) => this.onReceiveError(socket, error, fatal));
    this.socket = socket;
    if (this.failures > 0) this.log.info({ socket: this.key, attempts: this.failures }, 'VRRP socket open again; its instances rejoin the protocol');
    // The backoff is not reset here but by the first packet received: a socket that opens and
    // fails again at once must not flap every REOPEN_FIRST_MS.
    for (const driver of this.byVrid.values()) driver.setFault('socket-deaf', false);
  }

  private onReceiveError(socket: VrrpTransport, error: NetError, fatal: boolean): void {
    if (this.limiter.allow(fatal ? 'receive-lost' : 'receive-error', this.scheduler.now())) {
      this.log.error({ err: error.message, code: error.code, fatal, socket: this.key, ...(fatal ? { reason: 'socket-deaf' } : {}) }, fatal ? 'VRRP socket stopped receiving; its instances go to FAULT until it is open again' : 'VRRP receive error');
    }
    if (!fatal || socket !== this.socket) return;
    // Faults first, while the socket may still send: a deaf master's priority-0 release lets a
    // backup take over after Skew_Time instead of Active_Down_Interval.
    for (const driver of this.byVrid.values()) driver.setFault('socket-deaf', true);
    this.closedDrops += socket.kernelDrops;
    this.socket = null;
    socket.close();
    // The first reopen is almost at once (most losses are one-off: a closed descriptor); a socket
    // that keeps failing before it has received anything backs off further each time.
    this.failures++;
    const delay = Math.min(REOPEN_MAX_MS, REOPEN_FIRST_MS * 2 ** (this.failures - 1));
    this.scheduler.schedule(this.reopenKey, this.scheduler.now() + delay, () => this.openSocket());
  }

  private receiveGuarded(packet: InboundPacket): void {
    this.failures = 0;
    this.received++;
    try {
      this.receive(packet);
    } catch (error) {
      this.handlerErrors++;
      if (this.limiter.allow('handler-error', this.scheduler.now())) {
        this.log.error({ err: error instanceof Error ? (error.stack ?? error.message) : String(error), socket: this.key, count: this.handlerErrors, reason: 'handler-error' }, 'bug: handling a VRRP packet threw; the packet is lost, the socket reads on');
      }
    }
  }

  add(driver: InstanceDriver): void {
    this.byVrid.set(driver.vrid, driver);
    driver.setFault('socket-deaf', this.deaf);
  }

  remove(driver: InstanceDriver): void {
    if (this.byVrid.get(driver.vrid) === driver) this.byVrid.delete(driver.vrid);
  }

  get size(): number {
    return this.byVrid.size;
  }

  private receive(packet: InboundPacket): void {
    const received: ReceivedPacket = packet;
    // The driver's receive parameters are read per packet: a reload may have changed them.
    const result = checkReceived(received, (vrid) => this.byVrid.get(vrid)?.receiving);
    if (result.ok) {
      this.byVrid.get(result.adv.vrid)?.onAdvertisement(result.adv, packet.src, result.notes, ageNow(packet, this.scheduler.now()));
      return;
    }
    // A VRRP header's second byte is the VRID: attribute the drop to its instance if we have one.
    const vrid = result.vrid ?? (packet.message.length >= 2 ? packet.message[1] : undefined);
    const driver = vrid === undefined ? undefined : this.byVrid.get(vrid);
    // The version a VRRPv2 router (keepalived's default for IPv4) sends, to say what to change.
    const version = result.reason === 'bad-version' ? messageVersion(packet.message) : undefined;
    if (driver !== undefined && result.reason !== 'unknown-vrid') {
      driver.onRejected(result.reason, packet.src, result.detail, version);
      return;
    }
    bump(this.unattributed, result.reason);
    const peer = formatAddress(packet.src);
    const versionRow = version === undefined ? {} : this.otherVersions.note(peer, version, this.scheduler.now());
    // Keyed by reason alone: spoofed sources must not each earn a log line (or a map entry).
    if (!this.limiter.allow(result.reason, this.scheduler.now())) return;
    const level = QUIET.has(result.reason) ? 'debug' : 'warn';
    this.log[level]({ reason: result.reason, detail: result.detail, peer, ...versionRow }, 'VRRP packet dropped');
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.scheduler.cancel(this.reopenKey);
    this.closedDrops = this.kernelDrops;
    this.socket?.close();
    this.socket = null;
  }
}

/**
 * The packet's age now: the kernel's age when the batch was read plus the time since, so that
 * the Active_Down_Timer runs from the arrival (§6.4.2) and not from when the batch was read
 * (the rest of a batch and the checks come between: 0.3–0.4 ms measured, on every advertisement).
 */
function ageNow(packet: InboundPacket, nowMs: number): number | undefined {
  if (packet.ageMs === undefined || packet.readAtMs === undefined) return packet.ageMs;
  return packet.ageMs + Math.max(0, nowMs - packet.readAtMs);
}
