/**
 * Who is at the other end of an accepted status-socket connection. Node has no API for the
 * peer's credentials, nor a public one for an accepted socket's descriptor: `_handle.fd` is the
 * descriptor of libuv's pipe handle (undocumented, there since Node 0.x). This is the one place
 * that reaches for it. Whatever goes wrong gives an unknown peer: it may read (it did connect)
 * but never act.
 */

import type { Socket } from 'node:net';
import { peerCredentials, type PeerCredentials } from '../net/native.js';
import type { Peer } from './access.js';

/** An accepted socket's descriptor, or undefined when Node does not show one. */
function descriptor(socket: Socket): number | undefined {
  const fd = (socket as unknown as { _handle?: { fd?: unknown } | null })._handle?.fd;
  return typeof fd === 'number' && Number.isInteger(fd) && fd >= 0 ? fd : undefined;
}

export function socketPeer(socket: Socket, read: (fd: number) => PeerCredentials = peerCredentials): Peer {
  const fd = descriptor(socket);
  if (fd === undefined) return { known: false, why: 'no descriptor for the connection' };
  try {
    return { known: true, credentials: read(fd) };
  } catch (error) {
    return { known: false, why: error instanceof Error ? error.message : String(error) };
  }
}
