/**
 * How much request work the status socket does per event-loop turn, shared by all its
 * connections: at most MAX_REQUESTS_PER_TURN requests and about MAX_TURN_MS of work, one
 * request per waiting connection in turn (round robin), the rest after setImmediate. Timers and
 * packets are handled between turns, so however many clients flood the socket, the
 * Active_Down_Timer (RFC 9568 §6.4.2) fires on time, and an operator's request waits behind at
 * most one request of each flooder.
 */

/** Requests started per event-loop turn, over all connections. */
export const MAX_REQUESTS_PER_TURN = 16;
/** Work per turn, in milliseconds (a status of 255 instances takes about one); at least one request. */
export const MAX_TURN_MS = 2;

/** Serves one request of a connection; true while that connection has another it may start now. */
export type ServeOne = () => boolean;

export interface TurnLimits {
  readonly requests: number;
  readonly ms: number;
}

export class RequestTurns {
  private readonly waiting: ServeOne[] = [];
  private readonly queued = new Set<ServeOne>();
  private scheduled = false;

  constructor(
    private readonly now: () => number = () => performance.now(),
    private readonly limits: TurnLimits = { requests: MAX_REQUESTS_PER_TURN, ms: MAX_TURN_MS },
  ) {}

  /** A connection has requests ready; `serveOne` is called in a later turn, once per rotation. */
  wait(serveOne: ServeOne): void {
    if (this.queued.has(serveOne)) return;
    this.queued.add(serveOne);
    this.waiting.push(serveOne);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.turn());
    }
  }

  private turn(): void {
    this.scheduled = false;
    const startedAt = this.now();
    for (let served = 0; served < this.limits.requests && this.waiting.length > 0; served++) {
      if (served > 0 && this.now() - startedAt >= this.limits.ms) break;
      const serveOne = this.waiting.shift() as ServeOne;
      if (serveOne()) this.waiting.push(serveOne);
      else this.queued.delete(serveOne);
    }
    if (this.waiting.length > 0) {
      this.scheduled = true;
      setImmediate(() => this.turn());
    }
  }
}
