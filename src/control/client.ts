/** A client of the status socket: one request, its reply, and for `watch` the events after it. */

import { createConnection } from 'node:net';
import type { Request } from './protocol.js';

export const DEFAULT_SOCKET = '/run/ipfailoverd/ipfailoverd.sock';

export class ControlError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ControlError';
  }
}

function explain(path: string, error: NodeJS.ErrnoException): ControlError {
  switch (error.code) {
    case 'EACCES':
    case 'EPERM':
      return new ControlError('EACCES', `permission denied on ${path}: join the operators' group (ipfailoverd by default) or use sudo`);
    case 'ENOENT':
    case 'ECONNREFUSED':
      return new ControlError(error.code, `ipfailoverd is not running (nothing answers on ${path})`);
    default:
      return new ControlError(error.code ?? 'EIO', `${path}: ${error.message}`);
  }
}

/**
 * Sends `request`; resolves with the first reply line. With `onEvent`, keeps the connection and
 * hands every later line to it until `signal` aborts.
 */
export function sendRequest(
  path: string,
  request: Request,
  onEvent?: (event: Record<string, unknown>) => void,
  signal?: AbortSignal,
): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(path);
    let buffer = '';
    let replied = false;
    signal?.addEventListener('abort', () => socket.end());
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(`${JSON.stringify(request)}\n`));
    socket.on('error', (error: NodeJS.ErrnoException) => reject(explain(path, error)));
    socket.on('close', () => {
      if (!replied) reject(new ControlError('EPIPE', `ipfailoverd closed the connection on ${path} without a reply`));
    });
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        const message = JSON.parse(line) as Record<string, unknown>;
        if (!replied) {
          replied = true;
          resolve(message);
          if (onEvent === undefined) socket.end();
        } else {
          onEvent?.(message);
        }
      }
    });
  });
}
