/** Runs ipfailoverctl as an operator would, optionally as another user (setpriv). */

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const CTL = fileURLToPath(new URL('../../../src/cli/ipfailoverctl.js', import.meta.url));

export interface CtlResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Who to run a client as: uid and gid, and supplementary groups (none unless given). */
export interface RunAs {
  readonly uid: number;
  readonly gid: number;
  readonly groups?: readonly number[];
}

/** `command` as `as` (setpriv, numeric ids: no passwd entry needed), or as is. */
export function asUser(command: readonly string[], as?: RunAs): string[] {
  if (as === undefined) return [...command];
  const groups = as.groups === undefined || as.groups.length === 0 ? '--clear-groups' : `--groups=${as.groups.join(',')}`;
  return ['setpriv', `--reuid=${as.uid}`, `--regid=${as.gid}`, groups, ...command];
}

export function ctl(socket: string, args: readonly string[], as?: RunAs): Promise<CtlResult> {
  const [program, ...rest] = asUser([process.execPath, CTL, '--socket', socket, ...args], as);
  return new Promise((resolve) => {
    const child = spawn(program as string, rest, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (status) => resolve({ status, stdout, stderr }));
  });
}

/** Waits until the daemon answers on its status socket (it opens it after starting instances). */
export async function statusSocketReady(socket: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await ctl(socket, ['status'])).status !== 0) {
    if (Date.now() > deadline) throw new Error(`no answer on ${socket} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
