/**
 * One per interface and family: the instances there share one socket, and each packet goes
 * through the RFC 9568 §7.1 checks once, then to the instance its VRID names. A dropped packet
 * is counted against that instance when its VRID can be read (even a packet with a bad TTL),
 * against the hub otherwise; either way the log line is rate-limited per reason and peer.
 */

import { checkReceived, type ReceivedPacket, type RejectReason } from '../protocol/receive-checks.js';
import { formatAddress } from '../protocol/ip-address.js';
import type { InboundPacket, VrrpTransport } from '../net/ports.js';
import { bump } from './counters.js';
import type { InstanceDriver } from './instance-driver.js';
import type { Logger } from './logger.js';
import { RateLimiter } from './rate-limit.js';
import type { Scheduler } from './scheduler.js';


/** Reasons that are the normal life of a shared segment, not an error worth a warning. */
const QUIET: ReadonlySet<RejectReason> = new Set(['unknown-vrid']);

export class ReceiveHub {
  private readonly byVrid = new Map<number, InstanceDriver>();
  private readonly limiter = new RateLimiter(60_000);
  /** Drops that could not be tied to a configured instance. */
  readonly unattributed: Partial<Record<RejectReason, number>> = {};

  constructor(
    readonly transport: VrrpTransport,
    private readonly scheduler: Scheduler,
    private readonly log: Logger,
  ) {
    transport.onPacket((packet) => this.receive(packet));
    transport.onSendError((error) => {
      for (const driver of this.byVrid.values()) driver.noteSendError(error);
    });
    transport.onReceiveError((error, fatal) => {
      this.log.error({ err: error.message, code: error.code, fatal }, fatal ? 'VRRP socket stopped receiving; its instances go to FAULT' : 'VRRP receive error');
      if (fatal) for (const driver of this.byVrid.values()) driver.onReceiveLost();
    });
  }

  add(driver: InstanceDriver): void {
    this.byVrid.set(driver.vrid, driver);
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
      this.byVrid.get(result.adv.vrid)?.onAdvertisement(result.adv, packet.src, result.notes);
      return;
    }
    // A VRRP header's second byte is the VRID: attribute the drop to its instance if we have one.
    const vrid = result.vrid ?? (packet.message.length >= 2 ? packet.message[1] : undefined);
    const driver = vrid === undefined ? undefined : this.byVrid.get(vrid);
    if (driver !== undefined && result.reason !== 'unknown-vrid') {
      driver.onRejected(result.reason, packet.src, result.detail);
      return;
    }
    bump(this.unattributed, result.reason);
    const peer = formatAddress(packet.src);
    // Keyed by reason alone: spoofed sources must not each earn a log line (or a map entry).
    if (!this.limiter.allow(result.reason, this.scheduler.now())) return;
    const level = QUIET.has(result.reason) ? 'debug' : 'warn';
    this.log[level]({ reason: result.reason, detail: result.detail, peer }, 'VRRP packet dropped');
  }

  close(): void {
    this.transport.close();
  }
}
