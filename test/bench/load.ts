/**
 * A loaded machine: stress-ng with one CPU worker per online core (`--cpu 0`), for the time of a
 * case. Its own --timeout bounds it should this process die first.
 */

import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Lab } from './lab.js';

export async function withCpuLoad<T>(lab: Lab, maxSeconds: number, body: () => Promise<T>): Promise<T> {
  const child = spawn('stress-ng', ['--cpu', '0', '--timeout', `${Math.ceil(maxSeconds)}s`, '--quiet'], { stdio: 'ignore' });
  let spawnError: Error | undefined;
  const exited = new Promise<void>((resolve) => {
    child.on('exit', () => resolve());
    child.on('error', (error) => {
      spawnError = error;
      resolve();
    });
  });
  // SIGTERM to stress-ng's parent: it stops its workers and exits.
  const stop = lab.own(() => child.kill('SIGTERM'));
  try {
    // Workers running before the case starts.
    await sleep(500);
    if (spawnError !== undefined) throw new Error(`stress-ng: ${spawnError.message} (bash packaging/setup.sh --test installs it)`);
    return await body();
  } finally {
    stop();
    await exited;
  }
}
