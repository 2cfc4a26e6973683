/**
 * Keeps an instance's virtual addresses where its role wants them, whatever netlink does: each
 * address has one wanted state (present or absent), changes are issued one at a time, and a
 * change that fails is retried with backoff until it succeeds or a newer wish replaces it.
 *
 * Why: a master whose add failed must not believe it holds the address, and a backup whose
 * delete failed must not keep answering ARP for it — two NICs answering for the failover IP is
 * the worst outcome there is. The owner of the wish (the instance driver) is told when an add
 * keeps failing (so that it can give the role up) and when an address is installed.
 *
 * When nothing is in flight a new change is issued at once, synchronously. The netlink package
 * writes it to the kernel at once only when its own queue is empty: the first takeover of a
 * loop turn has its address before its announcement; when many instances take over in one turn,
 * the others' adds reach the kernel in the poll phase, a little after their announcements.
 */

import type { IpFamily } from '../protocol/ip-address.js';
import { formatAddress } from '../protocol/ip-address.js';
import type { AddressPort } from '../net/ports.js';
import type { Logger } from './logger.js';
import { RateLimiter } from './rate-limit.js';
import type { Scheduler } from './scheduler.js';

export interface KeptAddress {
  readonly bytes: Uint8Array;
  readonly prefixLength: number;
}

/** Retry delays: 50 ms doubling to 2 s. A failed netlink call is rare and usually brief. */
export const RETRY_FIRST_MS = 50;
export const RETRY_MAX_MS = 2_000;
const LOG_EVERY_MS = 10_000;

export interface AddressKeeperEvents {
  /** An add failed (first failure at `since`); it is being retried. */
  addFailing(address: KeptAddress, since: number, error: unknown): void;
  /** An add succeeded; `announce` is what the wish asked for, or true after failures. */
  installed(address: KeptAddress, announce: boolean): void;
}

interface Wish {
  readonly address: KeptAddress;
  readonly present: boolean;
  /** Announce once installed: the address was put back (or came late) while master. */
  announce: boolean;
  failures: number;
  firstFailureAt: number | null;
  /** Adds: when first wanted (a request that hangs, or waits behind one, counts from here). */
  issuedAt: number | null;
  notBefore: number;
}

export interface AddressTarget {
  readonly ifindex: number;
  readonly family: IpFamily;
}

function keyOf(address: KeptAddress): string {
  return `${formatAddress(address.bytes)}/${address.prefixLength}`;
}

export function retryDelayMs(failures: number): number {
  return Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** Math.max(0, failures - 1));
}

export class AddressKeeper {
  /** Wishes not yet carried out, in the order they were made (Map keeps insertion order). */
  private readonly wishes = new Map<string, Wish>();
  /** The wish whose request is with netlink now, if any. */
  private inFlight: Wish | null = null;
  /** Bumped by forget(): an answer to a request sent before it is not acted on. */
  private generation = 0;
  private readonly limiter = new RateLimiter(LOG_EVERY_MS);
  private waiters: Array<() => void> = [];

  constructor(
    private readonly retryKey: string,
    private target: AddressTarget,
    private readonly ports: { readonly addresses: AddressPort; readonly scheduler: Scheduler; readonly log: Logger },
    private readonly events: AddressKeeperEvents,
  ) {}

  /** Wants `address` present (or absent); a newer wish for the same address replaces an older one. */
  want(address: KeptAddress, present: boolean, options: { announce?: boolean } = {}): void {
    const key = keyOf(address);
    const previous = this.wishes.get(key);
    const announce = options.announce ?? false;
    if (previous !== undefined && previous.present === present) {
      // The same wish again while it is queued (a re-assertion, another external change): it
      // keeps its place in the backoff, so repeating it cannot make a busy loop. (One with
      // netlink now is not merged with: the change that prompted this may have come after it.)
      previous.announce ||= announce;
      return;
    }
    // Re-inserted at the end: wishes are carried out in the order they were last made. An add
    // counts as pending from now, even while it waits behind another request.
    this.wishes.delete(key);
    const now = this.ports.scheduler.now();
    this.wishes.set(key, { address, present, announce, failures: 0, firstFailureAt: null, issuedAt: present ? now : null, notBefore: -Infinity });
    this.next();
  }

  /** The interface came back under a new ifindex: pending wishes apply there. */
  retarget(target: AddressTarget): void {
    this.target = target;
  }

  /**
   * Drops every pending wish, and the answer to the one in flight (the interface is gone:
   * nothing is left to add to or remove from).
   */
  forget(): void {
    this.generation++;
    this.wishes.clear();
    this.inFlight = null;
    this.ports.scheduler.cancel(this.retryKey);
    this.wakeWaiters();
  }

  /**
   * Since when an add has been wanted and not confirmed (failing, or with netlink and not
   * answered), or null: the driver's bound on holding a role without its address.
   */
  addPendingSince(): number | null {
    let since: number | null = null;
    for (const wish of [...this.wishes.values(), ...(this.inFlight === null ? [] : [this.inFlight])]) {
      if (!wish.present || wish.issuedAt === null) continue;
      since = since === null ? wish.issuedAt : Math.min(since, wish.issuedAt);
    }
    return since;
  }

  /** Whether an add has failed and is being retried (announcing it would be a lie). */
  addFailing(): boolean {
    for (const wish of [...this.wishes.values(), ...(this.inFlight === null ? [] : [this.inFlight])]) if (wish.present && wish.failures > 0) return true;
    return false;
  }

  get pending(): number {
    return this.wishes.size + (this.inFlight === null ? 0 : 1);
  }

  /** Resolves once every wish has been carried out (or forgotten). */
  settled(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private next(): void {
    if (this.inFlight !== null) return;
    const now = this.ports.scheduler.now();
    let due: Wish | undefined;
    let wakeAt = Infinity;
    for (const wish of this.wishes.values()) {
      if (wish.notBefore <= now) {
        due = wish;
        break;
      }
      wakeAt = Math.min(wakeAt, wish.notBefore);
    }
    if (due === undefined) {
      if (wakeAt < Infinity) this.ports.scheduler.schedule(this.retryKey, wakeAt, () => this.next());
      else this.wakeWaiters();
      return;
    }
    this.carryOut(due);
  }

  private carryOut(wish: Wish): void {
    const key = keyOf(wish.address);
    this.wishes.delete(key);
    this.inFlight = wish;
    wish.issuedAt ??= this.ports.scheduler.now();
    const generation = this.generation;
    const { ifindex, family } = this.target;
    const { bytes, prefixLength } = wish.address;
    let request: Promise<void>;
    try {
      // Called synchronously: the request leaves in this tick (see the comment at the top).
      request = wish.present
        ? this.ports.addresses.addAddress(ifindex, family, bytes, prefixLength, { nodad: true })
        : this.ports.addresses.deleteAddress(ifindex, family, bytes, prefixLength);
    } catch (error) {
      request = Promise.reject(error);
    }
    request.then(
      () => this.done(wish, key, null, generation),
      (error: unknown) => this.done(wish, key, error, generation),
    );
  }

  private done(wish: Wish, key: string, error: unknown, generation: number): void {
    // Forgotten meanwhile (the interface went away): whatever netlink said no longer matters.
    if (generation !== this.generation) return;
    this.inFlight = null;
    const replaced = this.wishes.has(key);
    if (error === null) {
      if (wish.failures > 0) this.ports.log.info({ address: key, attempts: wish.failures + 1 }, wish.present ? 'virtual address added after retrying' : 'virtual address removed after retrying');
      if (wish.present && !replaced) this.events.installed(wish.address, wish.announce || wish.failures > 0);
    } else if (!replaced) {
      this.retry(wish, key, error);
    }
    this.next();
  }

  private retry(wish: Wish, key: string, error: unknown): void {
    const now = this.ports.scheduler.now();
    wish.failures++;
    wish.firstFailureAt ??= now;
    wish.notBefore = now + retryDelayMs(wish.failures);
    this.wishes.set(key, wish);
    if (this.limiter.allow(key, now)) {
      const suppressed = this.limiter.takeSuppressed(key);
      // A delete that fails leaves the failover IP on a NIC that must not answer for it: error.
      this.ports.log.error(
        { address: key, err: String(error), attempt: wish.failures, retryInMs: wish.notBefore - now, reason: wish.present ? 'address-add-failed' : 'address-delete-failed', ...(suppressed > 0 ? { suppressed } : {}) },
        wish.present ? 'cannot add virtual address; retrying' : 'cannot remove virtual address; retrying',
      );
    }
    if (wish.present) this.events.addFailing(wish.address, wish.firstFailureAt, error);
  }

  private wakeWaiters(): void {
    if (this.pending > 0) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }
}
