/**
 * A long-lived command whose stdout is handed over line by line, with the time each line
 * arrived: the soak's kernel watchers (`ip monitor`) and its readers of daemon logs.
 */

import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';

export function onLines(stream: Readable, each: (line: string) => void): void {
  let buffer = '';
  stream.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('utf8');
    let newline: number;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      each(line);
    }
  });
}

export function streamLines(command: readonly string[], each: (line: string) => void): ChildProcess {
  const child = spawn(command[0] as string, command.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });
  onLines(child.stdout as Readable, each);
  return child;
}
