/**
 * Typed access to the native addon (native/vrrp_io.c, built by node-gyp into
 * build/Release/ipfailoverd_native.node): an IPv6 raw socket for VRRP that reports hop limit and
 * destination and sends from a chosen source, and an AF_PACKET socket for whole frames.
 *
 * Conventions: the addon is loaded on first use, so importing this module never fails; every
 * system error leaves here as a NetError whose code is the errno name ('EPERM' = no CAP_NET_RAW,
 * 'ENODEV' = no such interface) and whose operation names what was attempted and where.
 */

import { createRequire } from 'node:module';
import { formatIPv6 } from '../protocol/ip-address.js';
import { NetError } from './ports.js';

/** One datagram as the kernel delivered it; the message is the IPv6 payload (the VRRP PDU). */
export interface RawVrrp6Packet {
  readonly message: Buffer;
  readonly src: Buffer;
  readonly dst: Buffer;
  /** The IPv6 Hop Limit as received; -1 if the kernel did not report one. */
  readonly hopLimit: number;
  /** The interface it arrived on. */
  readonly ifindex: number;
}

interface NativeVrrp6Socket {
  send(message: Uint8Array, src: Uint8Array, dst: Uint8Array): void;
  close(): void;
  ref(): void;
  unref(): void;
}

interface NativePacketSocket {
  send(frame: Uint8Array): void;
  close(): void;
}

interface NativeBinding {
  Vrrp6Socket: new (
    ifname: string,
    ifindex: number,
    joinGroup: boolean,
    onPacket: (message: Buffer, src: Buffer, dst: Buffer, hopLimit: number, ifindex: number) => void,
    onError: (error: Error, fatal: boolean) => void,
  ) => NativeVrrp6Socket;
  PacketSocket: new (ifindex: number) => NativePacketSocket;
  notify(socketPath: string, message: string): void;
  setCloexec(fd: number): void;
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

export interface Vrrp6SocketOptions {
  readonly ifname: string;
  /** Must be ifname's index; the addon checks and refuses a mismatch with ENODEV. */
  readonly ifindex: number;
  /** Join ff02::12 on the interface (multicast mode); unicast mode leaves it out. */
  readonly joinGroup: boolean;
  readonly onPacket: (packet: RawVrrp6Packet) => void;
  /**
   * Receive-side failures: recvmsg errors other than EAGAIN (the socket reads on), or, `fatal`,
   * a poll error after which the socket receives nothing more (close it and open another).
   */
  readonly onError: (error: NetError, fatal: boolean) => void;
}

/**
 * Raw IPv6 protocol 112 bound to one interface: hop limit 255 out, hop limit and destination in,
 * multicast loopback off. Checksums are not offloaded: the message is sent and received as is.
 * Keeps the event loop alive while open, like a dgram socket, unless unref()'d.
 */
export class Vrrp6Socket {
  readonly #native: NativeVrrp6Socket;
  readonly #ifname: string;

  private constructor(native: NativeVrrp6Socket, ifname: string) {
    this.#native = native;
    this.#ifname = ifname;
  }

  /** Throws NetError: EPERM without CAP_NET_RAW, ENODEV for a missing interface. */
  static open(options: Vrrp6SocketOptions): Vrrp6Socket {
    const { Vrrp6Socket: Native } = loadBinding();
    const where = `on ${options.ifname}`;
    const native = attempt(
      () => `open IPv6 VRRP socket ${where}`,
      () =>
        new Native(
          options.ifname,
          options.ifindex,
          options.joinGroup,
          (message, src, dst, hopLimit, ifindex) => options.onPacket({ message, src, dst, hopLimit, ifindex }),
          (error, fatal) => options.onError(toNetError(error, `receive IPv6 VRRP ${where}`) as NetError, fatal === true),
        ),
    );
    return new Vrrp6Socket(native, options.ifname);
  }

  /** Sends `message` as the whole payload from `src` (must be ours) to `dst`, hop limit 255. */
  send(message: Uint8Array, src: Uint8Array, dst: Uint8Array): void {
    attempt(
      () => `send IPv6 VRRP from ${formatIPv6(src)} to ${formatIPv6(dst)} on ${this.#ifname}`,
      () => this.#native.send(message, src, dst),
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
