/**
 * Typed access to the native addon (native/vrrp_io.c, built by node-gyp into
 * build/Release/ipfailoverd_native.node): a raw IPv4 or IPv6 socket for VRRP that reports TTL /
 * hop limit, addresses, arrival interface and the kernel's receive time (and, for IPv6, sends
 * from a chosen source), and an AF_PACKET socket for whole frames.
 *
 * Conventions: the addon is loaded on first use, so importing this module never fails; every
 * system error leaves here as a NetError whose code is the errno name ('EPERM' = no CAP_NET_RAW,
 * 'ENODEV' = no such interface) and whose operation names what was attempted and where.
 */

import { performance } from 'node:perf_hooks';
import { createRequire } from 'node:module';
import { formatIPv6, type IpFamily } from '../protocol/ip-address.js';
import { NetError, type InboundPacket } from './ports.js';

interface NativeVrrpSocket {
  send(message: Uint8Array, src: Uint8Array, dst: Uint8Array): void;
  close(): void;
  ref(): void;
  unref(): void;
  receiveBufferBytes(): number;
  kernelDrops(): number;
  drain(): void;
}

interface NativePacketSocket {
  send(frame: Uint8Array): void;
  close(): void;
}

interface NativeBinding {
  VrrpSocket: new (
    family: IpFamily,
    ifname: string,
    ifindex: number,
    joinGroup: boolean,
    receiveBufferBytes: number,
    onBatch: (batch: ArrayBuffer, count: number) => void,
    onError: (error: Error, fatal: boolean) => void,
  ) => NativeVrrpSocket;
  PacketSocket: new (ifindex: number) => NativePacketSocket;
  notify(socketPath: string, message: string): void;
  setCloexec(fd: number): void;
  peerCredentials(fd: number): PeerCredentials;
  changeAddress(add: boolean, family: IpFamily, ifindex: number, address: Uint8Array, prefixLength: number, nodad: boolean): void;
}

/** Who connected to a Unix socket, as the kernel recorded it at connect(2) (unix(7) SO_PEERCRED). */
export interface PeerCredentials {
  readonly pid: number;
  readonly uid: number;
  readonly gid: number;
  /** Supplementary groups (SO_PEERGROUPS); the primary gid may or may not be among them. */
  readonly groups: readonly number[];
}

/** From dist/src/net/native.js: the repository root is three levels up. */
const ADDON_PATH = '../../../build/Release/ipfailoverd_native.node';

let binding: NativeBinding | null = null;

function loadBinding(): NativeBinding {
  if (binding !== null) return binding;
  try {
    binding = createRequire(import.meta.url)(ADDON_PATH) as NativeBinding;
  } catch (error) {
    throw new NetError(errorCode(error) ?? 'ERR_DLOPEN_FAILED', `load native addon ${ADDON_PATH} (run npm run build:native)`, {
      cause: error,
    });
  }
  return binding;
}

function errorCode(error: unknown): string | null {
  if (error instanceof Error && 'code' in error && typeof error.code === 'string') return error.code;
  return null;
}

/** Native system errors (they carry .code) become NetError; anything else is our bug and passes. */
export function toNetError(error: unknown, operation: string): unknown {
  const code = errorCode(error);
  return code !== null && !(error instanceof TypeError) && !(error instanceof RangeError)
    ? new NetError(code, operation, { cause: error })
    : error;
}

/** Runs a native call; `operation` is only worked out when it failed. */
function attempt<T>(operation: () => string, action: () => T): T {
  try {
    return action();
  } catch (error) {
    throw toNetError(error, operation());
  }
}

/** One sd_notify(3) datagram to `socketPath` ($NOTIFY_SOCKET; '@' = abstract namespace). */
export function sendNotify(socketPath: string, message: string): void {
  attempt(
    () => `notify systemd at ${socketPath}`,
    () => loadBinding().notify(socketPath, message),
  );
}

/**
 * Marks `fd` close-on-exec, so that track scripts and notify hooks do not inherit it. Node opens
 * its own descriptors that way, but not the ones other native code opens (raw-socket) or the
 * ones it is handed (systemd's LISTEN_FDS: Node's startup happens to cover fds 0-15 only).
 * Throws NetError: EBADF for a descriptor that is not open.
 */
export function setCloseOnExec(fd: number): void {
  attempt(
    () => `set close-on-exec on fd ${fd}`,
    () => loadBinding().setCloexec(fd),
  );
}

/**
 * The credentials of the process at the other end of the connected Unix socket `fd`: the status
 * socket decides with them who may act. Throws NetError: EBADF, ENOTSOCK, ENOPROTOOPT (no
 * SO_PEERGROUPS before Linux 4.13).
 */
export function peerCredentials(fd: number): PeerCredentials {
  return attempt(
    () => `read the peer credentials of fd ${fd}`,
    () => loadBinding().peerCredentials(fd),
  );
}

/**
 * Adds (create, exclusive) or deletes an interface address over rtnetlink and returns when the
 * kernel has done it: the kernel acts inside the request's sendmsg(), so this takes microseconds
 * (native/rtnl_address.c). Throws NetError with the kernel's answer: EEXIST, EADDRNOTAVAIL,
 * ENODEV, EPERM ...
 */
export function changeAddress(add: boolean, family: IpFamily, ifindex: number, address: Uint8Array, prefixLength: number, nodad: boolean, operation: () => string): void {
  attempt(operation, () => loadBinding().changeAddress(add, family, ifindex, address, prefixLength, nodad));
}

export interface VrrpSocketOptions {
  readonly family: IpFamily;
  readonly ifname: string;
  /** Must be ifname's index; the addon checks and refuses a mismatch with ENODEV. */
  readonly ifindex: number;
  /** Join ff02::12 / 224.0.0.18 on the interface (multicast mode); unicast mode leaves it out. */
  readonly joinGroup: boolean;
  /** SO_RCVBUF(FORCE) to ask for; the kernel doubles it (socket(7)). 0 keeps the default. */
  readonly receiveBufferBytes: number;
  /**
   * Each datagram, unchecked. Called in a loop for all the datagrams of one wake-up, which the
   * addon hands over in one call and one buffer: the views in a packet share that buffer and
   * stay valid (it is never reused), but keeping one keeps the whole batch's memory alive.
   */
  readonly onPacket: (packet: InboundPacket) => void;
  /**
   * Receive-side failures: recvmsg errors other than EAGAIN (the socket reads on), or, `fatal`,
   * a poll error after which the socket receives nothing more (close it and open another).
   */
  readonly onError: (error: NetError, fatal: boolean) => void;
}

/** Words of one batch record (native/vrrp_io.c RX_RECORD_BYTES = 56 bytes). */
const RECORD_WORDS = 14;
const RECORD_BYTES = RECORD_WORDS * 4;

/**
 * Unpacks one batch: per datagram, u32 message offset and length, i32 TTL, u32 ifindex, source
 * and destination (16 bytes each, IPv4 in the first 4), f64 age in ms. Views, no copies. The
 * addon took the ages as it read the batch, just before this call: `readAtMs` says when.
 */
export function unpackBatch(family: IpFamily, batch: ArrayBuffer, count: number, deliver: (packet: InboundPacket) => void, readAtMs = performance.now()): void {
  const words = new Uint32Array(batch, 0, count * RECORD_WORDS);
  const signed = new Int32Array(batch, 0, count * RECORD_WORDS);
  const ages = new Float64Array(batch, 0, (count * RECORD_WORDS) / 2);
  const width = family === 4 ? 4 : 16;
  for (let i = 0; i < count; i++) {
    const w = i * RECORD_WORDS;
    const base = i * RECORD_BYTES;
    const age = ages[w / 2 + 6] as number;
    deliver({
      family,
      message: new Uint8Array(batch, words[w] as number, words[w + 1] as number),
      ttl: signed[w + 2] as number,
      ifindex: words[w + 3] as number,
      src: new Uint8Array(batch, base + 16, width),
      dst: new Uint8Array(batch, base + 32, width),
      ageMs: Number.isNaN(age) ? undefined : age, // one object shape for every packet
      readAtMs,
    });
  }
}

/**
 * Raw IPv4 or IPv6 protocol 112 bound to one interface. In: TTL / hop limit, addresses,
 * ifindex and receive age of every datagram, multicast loopback off, the kernel's drop count.
 * Out (IPv6 only): hop limit 255 from a chosen source. Checksums are not offloaded: the message
 * is sent and received as is. Keeps the event loop alive while open, like a dgram socket,
 * unless unref()'d.
 */
export class VrrpSocket {
  readonly #native: NativeVrrpSocket;
  readonly #ifname: string;

  private constructor(native: NativeVrrpSocket, ifname: string) {
    this.#native = native;
    this.#ifname = ifname;
  }

  /** Throws NetError: EPERM without CAP_NET_RAW, ENODEV for a missing interface. */
  static open(options: VrrpSocketOptions): VrrpSocket {
    const { VrrpSocket: Native } = loadBinding();
    const { family, ifname, onPacket } = options;
    const native = attempt(
      () => `open IPv${family} VRRP socket on ${ifname}`,
      () =>
        new Native(
          family,
          ifname,
          options.ifindex,
          options.joinGroup,
          options.receiveBufferBytes,
          (batch, count) => unpackBatch(family, batch, count, onPacket),
          (error, fatal) => options.onError(toNetError(error, `receive IPv${family} VRRP on ${ifname}`) as NetError, fatal === true),
        ),
    );
    return new VrrpSocket(native, ifname);
  }

  /** Sends `message` as the whole payload from `src` (must be ours) to `dst`, hop limit 255. IPv6 only. */
  send(message: Uint8Array, src: Uint8Array, dst: Uint8Array): void {
    attempt(
      () => `send IPv6 VRRP from ${formatIPv6(src)} to ${formatIPv6(dst)} on ${this.#ifname}`,
      () => this.#native.send(message, src, dst),
    );
  }

  /**
   * Datagrams the kernel dropped because this socket's receive queue was full, read now (the
   * SO_RXQ_OVFL figure that comes with each datagram lags: it is the count when that one was
   * queued). After close(), the last figure read.
   */
  get kernelDrops(): number {
    return this.#native.kernelDrops();
  }

  /** Reads and delivers what is queued now (onPacket runs before this returns); no-op once closed. */
  drain(): void {
    this.#native.drain();
  }

  /** SO_RCVBUF as the kernel set it. */
  receiveBufferBytes(): number {
    return attempt(
      () => `read the receive buffer size on ${this.#ifname}`,
      () => this.#native.receiveBufferBytes(),
    );
  }

  /** Whether this socket alone keeps the process running (default: it does). */
  ref(): void {
    this.#native.ref();
  }

  unref(): void {
    this.#native.unref();
  }

  /** Stops receiving and closes the socket; idempotent. Afterwards send() throws EBADF. */
  close(): void {
    this.#native.close();
  }
}

/** AF_PACKET socket that only sends: each frame goes out of the interface exactly as given. */
export class PacketSocket {
  readonly #native: NativePacketSocket;
  readonly #ifindex: number;

  private constructor(native: NativePacketSocket, ifindex: number) {
    this.#native = native;
    this.#ifindex = ifindex;
  }

  /** Throws NetError: EPERM without CAP_NET_RAW, ENODEV for a missing interface. */
  static open(ifindex: number): PacketSocket {
    const { PacketSocket: Native } = loadBinding();
    return new PacketSocket(attempt(() => `open packet socket on ifindex ${ifindex}`, () => new Native(ifindex)), ifindex);
  }

  /** The frame starts with the destination MAC and carries its EtherType at byte 12. */
  send(frame: Uint8Array): void {
    attempt(() => `send frame on ifindex ${this.#ifindex}`, () => this.#native.send(frame));
  }

  close(): void {
    this.#native.close();
  }
}
