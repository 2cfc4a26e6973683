/**
 * Request / reply over one rtnetlink socket (the `netlink` package does the framing, sequence
 * numbers and multipart grouping), kernel errors as NetError.
 *
 * Dumps run alone: the kernel runs a single dump per socket (a second one gets EBUSY), and the
 * package groups multipart replies for one sequence number at a time, so a reply of another
 * request arriving between a dump's parts would cut the dump short. Other requests (address
 * changes, single lookups) have one reply each, matched by sequence number, and go out together,
 * up to MAX_SHARED in flight: a takeover of 255 instances sends its 255 adds in one turn of the
 * event loop instead of one per turn, which put the last add hundreds of milliseconds behind
 * the first and past the address bound (role-addresses.ts) of its instance.
 *
 * When it can go out, a request is handed to the package before request() returns (which
 * writes it at once if its own queue is empty, else in the poll phase). Address changes waiting for their
 * turn go ahead of waiting dumps (never of the one in flight): a takeover must not wait behind a
 * resync of every address.
 *
 * The daemon's own adds and deletes no longer come this way: netlink-addresses.ts makes them
 * synchronously through the addon (native/rtnl_address.c), which the takeover needs. Lookups and
 * dumps do; the rules above stay true for any request.
 */

import { getSystemErrorName } from 'node:util';
import { createNetlink, Flags, FlagsGet, MessageType, parseError, Protocol, type NetlinkMessage, type NetlinkSocket } from './netlink-lib.js';
import { RTM_DELADDR, RTM_NEWADDR } from './netlink-parse.js';
import { NetError } from './ports.js';

/** The kernel answers rtnetlink requests at once; silence this long means the socket is stuck. */
const REPLY_TIMEOUT_MS = 5000;
/** A dump that raced a change is flagged NLM_F_DUMP_INTR; asking again gives a consistent one. */
const DUMP_ATTEMPTS = 3;
/**
 * Single-reply requests in flight at once. Each acknowledgement waits in the socket's receive
 * buffer (about 1 KiB of it, with its copy of the request) until read: 64 stay well inside the
 * default 208 KiB, and the package reads 32 replies per wake-up.
 */
export const MAX_SHARED = 64;

/** The errno name for a number in either sign, as Node names them ("EEXIST"). */
export function errnoName(errno: number): string {
  try {
    return getSystemErrorName(-Math.abs(errno));
  } catch {
    return `ERRNO_${Math.abs(errno)}`;
  }
}

/** Wraps what a socket call threw (the package's ErrnoException has `code`) into a NetError. */
export function toNetError(error: unknown, operation: string): NetError {
  if (error instanceof NetError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  return new NetError(typeof code === 'string' ? code : 'EIO', operation, { cause: error });
}

/** What RtnlRequester uses of the package's socket. */
export type RequestSocket = Pick<NetlinkSocket, 'request' | 'on' | 'close'>;

/** A request waiting for its turn. */
interface Waiting {
  /** Dumps run alone. */
  readonly dump: boolean;
  /** The same dump asked for again while this one waits shares its reply (see request()). */
  readonly same?: (type: number, flags: number, payload: Uint8Array[]) => boolean;
  readonly joined: Array<{ resolve(messages: NetlinkMessage[]): void; reject(error: unknown): void }>;
  start(): void;
}

export class RtnlRequester {
  /** A dump is between its send and its settlement: nothing else goes out meanwhile. */
  private dumping = false;
  /** Single-reply requests between their send and their settlement. */
  private shared = 0;
  private readonly waiting: Waiting[] = [];
  /** Cancels of the requests awaiting their replies, so that close() settles them. */
  private readonly inFlight = new Set<() => void>();
  private closed = false;

  private constructor(private readonly socket: RequestSocket) {
    // Unhandled 'error' events would crash the process; replies that fail surface per request.
    socket.on('error', () => undefined);
  }

  /** Over a socket opened elsewhere (tests pass a fake); closed by close(). */
  static over(socket: RequestSocket): RtnlRequester {
    return new RtnlRequester(socket);
  }

  static open(): RtnlRequester {
    try {
      // Unreferenced by default: an idle request socket does not keep the process alive.
      return new RtnlRequester(createNetlink(Protocol.ROUTE));
    } catch (error) {
      throw toNetError(error, 'open rtnetlink socket');
    }
  }

  /**
   * Sends one request (REQUEST and ACK are added) and resolves with the reply messages, the
   * acknowledgement left out. A kernel error rejects with a NetError named after its errno.
   */
  request(type: number, flags: number, payload: Uint8Array[], operation: string): Promise<NetlinkMessage[]> {
    return new Promise((resolve, reject) => {
      const dump = (flags & FlagsGet.DUMP) === FlagsGet.DUMP;
      // A dump that is still waiting has not been sent: its reply will be as fresh as a new
      // one's, so the new caller shares it. 255 instances binding at start-up asked for 255
      // dumps of every address of the family, one after the other (O(instances²) entries).
      const twin = dump ? this.waiting.find((other) => other.same?.(type, flags, payload) === true) : undefined;
      if (twin !== undefined) {
        twin.joined.push({ resolve, reject });
        return;
      }
      const joined: Waiting['joined'] = [];
      const start = (): void => {
        if (dump) this.dumping = true;
        else this.shared++;
        // exchange() hands the message to the socket synchronously (the package sends at once
        // when its own queue is empty). What waits starts before this one's caller resumes, so
        // that a caller's follow-up request finds its turn in order.
        this.exchangeWithRetry(type, flags, payload, operation).then(
          (messages) => {
            this.finished(dump);
            resolve(messages);
            for (const other of joined) other.resolve(messages);
          },
          (error: unknown) => {
            this.finished(dump);
            reject(error);
            for (const other of joined) other.reject(error);
          },
        );
      };
      const urgent = type === RTM_NEWADDR || type === RTM_DELADDR;
      const same = (t: number, f: number, p: Uint8Array[]): boolean => t === type && f === flags && sameParts(p, payload);
      const waiting: Waiting = { dump, start, joined, ...(dump ? { same } : {}) };
      // Before the first waiting dump; address changes stay in their own order, since none is
      // ever left behind a dump.
      const firstDump = urgent ? this.waiting.findIndex((other) => other.dump) : -1;
      if (firstDump < 0) this.waiting.push(waiting);
      else this.waiting.splice(firstDump, 0, waiting);
      this.startWaiting();
    });
  }

  private finished(dump: boolean): void {
    if (dump) this.dumping = false;
    else this.shared--;
    this.startWaiting();
  }

  /** Starts waiting requests in order while their turn allows: a dump alone, others together. */
  private startWaiting(): void {
    for (let next = this.waiting[0]; next !== undefined; next = this.waiting[0]) {
      const free = next.dump ? !this.dumping && this.shared === 0 : !this.dumping && this.shared < MAX_SHARED;
      if (!free) return;
      this.waiting.shift();
      next.start();
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const cancel of [...this.inFlight]) cancel();
    this.socket.close();
  }

  private async exchangeWithRetry(type: number, flags: number, payload: Uint8Array[], operation: string): Promise<NetlinkMessage[]> {
    for (let attempt = 1; ; attempt++) {
      const messages = await this.exchange(type, flags, payload, operation);
      const interrupted = messages.some((message) => (message.flags & Flags.DUMP_INTR) !== 0);
      if (!interrupted) return messages;
      if (attempt >= DUMP_ATTEMPTS) throw new NetError('EINTR', operation);
    }
  }

  private exchange(type: number, flags: number, payload: Uint8Array[], operation: string): Promise<NetlinkMessage[]> {
    if (this.closed) return Promise.reject(new NetError('EBADF', operation));
    return new Promise<NetlinkMessage[]>((resolve, reject) => {
      const settle = (): void => {
        clearTimeout(timer);
        this.inFlight.delete(cancel);
      };
      const fail = (error: NetError): void => {
        settle();
        reject(error);
      };
      const cancel = (): void => fail(new NetError('ECANCELED', operation));
      const timer = setTimeout(() => fail(new NetError('ETIMEDOUT', operation)), REPLY_TIMEOUT_MS);
      // The package references the socket while a reply is awaited; the timer need not.
      timer.unref();
      this.inFlight.add(cancel);
      // checkError: false so that we read the errno ourselves; the package would only put its
      // name into an Error's message text.
      this.socket.request(type, payload, { flags, checkError: false }).then(
        ([messages]) => {
          settle();
          try {
            resolve(repliesOrThrow(messages, operation));
          } catch (error) {
            reject(toNetError(error, operation));
          }
        },
        (error: unknown) => fail(toNetError(error, operation)),
      );
    });
  }
}

function sameParts(a: readonly Uint8Array[], b: readonly Uint8Array[]): boolean {
  return Buffer.concat(a).equals(Buffer.concat(b));
}

function repliesOrThrow(messages: NetlinkMessage[], operation: string): NetlinkMessage[] {
  const replies: NetlinkMessage[] = [];
  for (const message of messages) {
    if (message.type === MessageType.ERROR) {
      const { errno } = parseError(message.data, message.flags);
      if (errno !== 0) throw new NetError(errnoName(errno), operation);
    } else if (message.type !== MessageType.DONE) {
      replies.push(message);
    }
  }
  return replies;
}
