/**
 * The status socket: a Unix stream socket speaking protocol.ts. Under systemd the listening socket
 * comes from ipfailoverd.socket (root:ipfailoverd, 0660) through LISTEN_FDS; otherwise the daemon
 * makes it at the configured path with the same owner and mode (socket-file.ts: no symlink can
 * redirect that). Whoever connects may read; acting needs root or the admin group (access.ts). A
 * bad request gets an error reply and never disturbs the daemon; a client that floods or hangs is
 * cut off.
 */

import { entryNamed } from '../config/system-db.js';
import { mkdirSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { dirname } from 'node:path';
import { setCloseOnExec } from '../net/native.js';
import { authorize, commandKind, DEFAULT_ADMIN_GROUP, type Peer, type RefusalReason } from './access.js';
import { socketPeer } from './peer.js';
import { MAX_REQUEST_BYTES, parseRequest, type Request } from './protocol.js';
import { RequestTurns } from './request-turns.js';
import { placeSocket } from './socket-file.js';

/** What the daemon answers; each returns the reply object (its `ok` is added here). */
export interface ControlHandler {
  handle(request: Exclude<Request, { cmd: 'watch' }>): Promise<Record<string, unknown>>;
  /** Streams events until the returned function is called. */
  watch(send: (event: Record<string, unknown>) => void): () => void;
}

/** A connection that is not watching and sends nothing for this long is closed. */
export const IDLE_TIMEOUT_MS = 30_000;
/**
 * A connection whose unsent replies or events exceed this is cut off: a client that stops
 * reading must not grow the daemon's memory. A transition is a few hundred bytes and a status
 * reply grows with the instances; a client that reads falls nowhere near this far behind.
 */
export const MAX_BACKLOG_BYTES = 1024 * 1024;
/** Requests of one connection awaiting their reply at once (a reload takes a while). */
export const MAX_REQUESTS_IN_FLIGHT = 16;
/** More connections at once are closed on arrival: with MAX_BACKLOG_BYTES, a memory bound. */
export const MAX_CONNECTIONS = 64;

/** A command refused for want of permission, for the daemon's log. */
export interface Refusal {
  readonly cmd: string;
  readonly reason: RefusalReason;
  readonly peer: Peer;
}

export interface ConnectionOptions {
  /** Default IDLE_TIMEOUT_MS; tests shorten it. */
  readonly idleTimeoutMs?: number;
  /** The group whose members may act besides root; default DEFAULT_ADMIN_GROUP. */
  readonly adminGroup?: string;
  /** Group name → gid, looked up at each act (a group made later counts); default groupId. */
  readonly groupId?: (name: string) => number | undefined;
  /** Who connected; default socketPeer (SO_PEERCRED). Tests pass a fake. */
  readonly peerOf?: (socket: Socket) => Peer;
  /** Hears each refused command. */
  readonly onRefused?: (refusal: Refusal) => void;
}

export interface ListenOptions extends ConnectionOptions {
  /** Marks systemd's listening socket close-on-exec; injectable for tests. */
  readonly setCloseOnExec?: (fd: number) => void;
}

/** sd_listen_fds(3): the first passed descriptor is 3. */
const SD_LISTEN_FDS_START = 3;

export function passedListenFd(env: NodeJS.ProcessEnv = process.env, pid = process.pid): number | undefined {
  if (Number(env.LISTEN_PID) !== pid || !(Number(env.LISTEN_FDS) >= 1)) return undefined;
  return SD_LISTEN_FDS_START;
}

/** The gid of a group from /etc/group, or undefined. */
export function groupId(name: string, groupFile = '/etc/group'): number | undefined {
  const gid = Number(entryNamed(groupFile, name)?.[2] ?? NaN);
  return Number.isInteger(gid) ? gid : undefined;
}

/** True when something already answers on `path` (another daemon): never steal its socket. */
function inUse(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createConnection(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}

export interface ListenResult {
  readonly server: Server;
  /** How it came to be, for the log: "systemd" or the path's owner and mode. */
  readonly origin: string;
  readonly warnings: readonly string[];
  /** Stops listening and removes the socket file the daemon made (never systemd's). */
  close(): void;
}

export async function listenStatusSocket(
  path: string,
  group: string,
  handler: ControlHandler,
  options: ListenOptions = {},
): Promise<ListenResult> {
  const turns = new RequestTurns();
  const server = createServer((socket) => serveConnection(socket, handler, options, turns));
  server.maxConnections = MAX_CONNECTIONS;
  const warnings: string[] = [];
  const adminGroup = options.adminGroup ?? DEFAULT_ADMIN_GROUP;
  if ((options.groupId ?? groupId)(adminGroup) === undefined) {
    warnings.push(`group ${adminGroup} does not exist: only root can step-down, resume or reload through the status socket`);
  }
  const listen = (where: string | { fd: number }): Promise<void> =>
    new Promise<void>((resolve, reject) => server.once('error', reject).listen(where, resolve));
  const fd = passedListenFd();
  if (fd !== undefined) {
    // A descriptor we are handed is not ours to share: without FD_CLOEXEC every track script and
    // notify hook would inherit the listening socket (and could accept() operators' requests).
    // Node's startup marks fds 0-15 close-on-exec already; this does not rely on that.
    try {
      (options.setCloseOnExec ?? setCloseOnExec)(fd);
    } catch (error) {
      warnings.push(`cannot make the systemd socket (fd ${fd}) close-on-exec, scripts and hooks may inherit it: ${error instanceof Error ? error.message : String(error)}`);
    }
    await listen({ fd });
    return { server, origin: 'systemd socket activation', warnings, close: () => server.close() };
  }
  if (await inUse(path)) throw Object.assign(new Error(`another daemon answers on ${path}`), { code: 'EADDRINUSE' });
  mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
  const gid = groupId(group);
  const uid = process.getuid?.() ?? -1;
  // Root gives it to root and the operators' group; a daemon that is not root keeps it and gives
  // it the operators' group if it is in that group.
  const owner = uid === 0 ? { uid: 0, gid: gid ?? 0 } : gid === undefined ? undefined : { uid, gid };
  if (uid === 0 && gid === undefined) warnings.push(`group ${group} does not exist: only root can use the status socket`);
  const placed = await placeSocket(path, 0o660, owner, listen, () => server.close());
  server.once('close', () => placed.release());
  if (placed.chownError !== undefined) warnings.push(`cannot give ${path} to group ${group}`);
  const grouped = gid !== undefined && placed.chownError === undefined;
  return {
    server,
    origin: `${path} (mode 0660, group ${grouped ? group : 'root'})`,
    warnings,
    close: () => {
      server.close();
      placed.remove();
    },
  };
}

/**
 * Serves one connection: requests a line each, answered in order of completion, in the turns
 * the server's connections share (request-turns.ts), so that a flood of requests cannot hold
 * the event loop. Reading pauses while requests wait: what a client sends ahead is bounded by
 * one chunk. Cut off: a request line longer than MAX_REQUEST_BYTES (after its error reply), a
 * connection silent for the idle timeout unless it watches or awaits a reply, a client whose
 * unread replies or events pass MAX_BACKLOG_BYTES.
 */
export function serveConnection(socket: Socket, handler: ControlHandler, options: ConnectionOptions = {}, turns = new RequestTurns()): void {
  let buffer = '';
  /** Complete request lines not yet served; `next` is the first of them. */
  let queue: string[] = [];
  let next = 0;
  let stopWatching: (() => void) | undefined;
  let pending = 0;
  let refused = false;
  // The kernel's record of who connected; read once, while the connection is surely open.
  const peer = (options.peerOf ?? socketPeer)(socket);
  const stopWatch = (): void => {
    const stop = stopWatching;
    stopWatching = undefined;
    stop?.();
  };
  const cutOff = (): void => {
    queue = [];
    next = 0;
    stopWatch();
    socket.destroy();
  };
  const send = (body: Record<string, unknown>): void => {
    if (socket.destroyed) return;
    // A client that stopped reading: Node would keep every later reply for it, without bound.
    // The bound is on what it left unread before this reply, so that one reply is delivered
    // whole however large it is (a status of 255 instances with full peer tables is ~1 MiB).
    const unread = socket.writableLength;
    socket.write(`${JSON.stringify(body)}\n`);
    if (unread > MAX_BACKLOG_BYTES) cutOff();
  };
  socket.setEncoding('utf8');
  socket.on('error', () => undefined); // a client that vanishes is not our problem
  socket.on('close', () => {
    queue = [];
    next = 0;
    stopWatch();
  });
  // Inactivity in either direction; a watcher may legitimately hear nothing for days.
  socket.setTimeout(options.idleTimeoutMs ?? IDLE_TIMEOUT_MS);
  socket.on('timeout', () => {
    // Also a refused client that does not read its error reply (the write never completes), and
    // one whose requests wait behind replies it does not read.
    if (refused || (stopWatching === undefined && pending === 0)) socket.destroy();
  });
  socket.on('data', (chunk: string) => {
    if (refused) return;
    buffer += chunk;
    // Only the new chunk can hold a newline the buffer did not have: no rescanning of the buffer.
    if (chunk.includes('\n')) {
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        const request = line.trim();
        if (request !== '') queue.push(request);
      }
    }
    if (buffer.length > MAX_REQUEST_BYTES) {
      // Stop buffering at once and drop the connection: end() would leave it readable, and a
      // client that keeps sending would keep growing the buffer.
      refused = true;
      buffer = '';
      queue = [];
      next = 0;
      stopWatch();
      socket.pause();
      if (socket.destroyed) return;
      socket.write(`${JSON.stringify({ ok: false, error: `request longer than ${MAX_REQUEST_BYTES} bytes` })}\n`, () => socket.destroy());
      return;
    }
    if (next < queue.length) {
      socket.pause(); // resumed when the queue is served
      turns.wait(serveOne);
    }
  });

  /** Starts the next request, at most MAX_REQUESTS_IN_FLIGHT at once; true while another may start. */
  function serveOne(): boolean {
    if (socket.destroyed || next >= queue.length || pending >= MAX_REQUESTS_IN_FLIGHT) return false;
    void answer(queue[next++] as string);
    if (next < queue.length) return !socket.destroyed && pending < MAX_REQUESTS_IN_FLIGHT;
    queue = [];
    next = 0;
    if (!refused && !socket.destroyed) socket.resume();
    return false;
  }

  async function answer(line: string): Promise<void> {
    const parsed = parseRequest(line);
    if (!parsed.ok) {
      send({ ok: false, error: parsed.error });
      return;
    }
    const { request } = parsed;
    if (commandKind(request.cmd) === 'act') {
      const adminGroup = options.adminGroup ?? DEFAULT_ADMIN_GROUP;
      const decision = authorize(request.cmd, peer, { name: adminGroup, gid: (options.groupId ?? groupId)(adminGroup) });
      if (!decision.allowed) {
        options.onRefused?.({ cmd: request.cmd, reason: decision.reason, peer });
        send({ ok: false, reason: decision.reason, error: decision.error });
        return;
      }
    }
    if (request.cmd === 'watch') {
      stopWatch();
      send({ ok: true, watching: true });
      const stop = handler.watch(send);
      // handler.watch may have sent (and cut off) before it returned.
      if (socket.destroyed) stop();
      else stopWatching = stop;
      return;
    }
    pending++;
    try {
      send({ ok: true, ...(await handler.handle(request)) });
    } catch (error) {
      send({ ok: false, error: error instanceof Error ? error.message : String(error) });
    } finally {
      pending--;
      if (next < queue.length) turns.wait(serveOne); // it may have waited for this reply
    }
  }
}
