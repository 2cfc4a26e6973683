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

/** One reply or event line: a JSON object, or undefined for anything else. */
function parseLine(line: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Sends `request`; resolves with the first reply line. With `onEvent`, keeps the connection and
 * hands every later line to it until `signal` aborts. `onClose` learns when such a connection
 * ends after the reply: with no argument when `signal` ended it, otherwise with the reason (the
 * daemon went away: 'EPIPE'; a line that is not a JSON object: 'EPROTO').
 */
export function sendRequest(
  path: string,
  request: Request,
  onEvent?: (event: Record<string, unknown>) => void,
  signal?: AbortSignal,
  onClose?: (error?: ControlError) => void,
): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(path);
    let buffer = '';
    let replied = false;
    /** Why the connection ends, once known; undefined when we end it ourselves. */
    let ending: ControlError | undefined;
    let endedByUs = false;
    const endByUs = (): void => {
      endedByUs = true;
      // destroy, not end: a hung daemon would never answer end()'s FIN, and Ctrl-C must not wait.
      socket.destroy();
    };
    signal?.addEventListener('abort', endByUs, { once: true });
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(`${JSON.stringify(request)}\n`));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      // After the reply, a broken connection is the daemon going away like a closed one.
      ending ??= replied ? new ControlError(error.code ?? 'EPIPE', `ipfailoverd went away (${path}: ${error.message})`) : explain(path, error);
      reject(ending);
    });
    socket.on('close', () => {
      signal?.removeEventListener('abort', endByUs);
      if (!replied) reject(new ControlError('EPIPE', `ipfailoverd closed the connection on ${path} without a reply`));
      else onClose?.(endedByUs ? undefined : (ending ?? new ControlError('EPIPE', `ipfailoverd went away (${path} closed)`)));
    });
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      let newline: number;
      while (!socket.destroyed && (newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        const message = parseLine(line);
        if (message === undefined) {
          // Not the daemon's protocol (another program on the socket, or a broken stream): a
          // ControlError like any other failure, never an exception from this handler.
          ending = new ControlError('EPROTO', `${path} answered something that is not a JSON object: ${JSON.stringify(line.slice(0, 80))}`);
          reject(ending); // no effect after the reply; onClose reports it then
          socket.destroy();
        } else if (!replied) {
          replied = true;
          resolve(message);
          if (onEvent === undefined) {
            endedByUs = true;
            socket.end();
          }
        } else {
          onEvent?.(message);
        }
      }
    });
  });
}
