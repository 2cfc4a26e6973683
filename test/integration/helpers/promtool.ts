/**
 * Debian's promtool (package `prometheus`, installed by `bash packaging/setup.sh --test`): the
 * reference parser of the exposition format and of rule files. Missing, the test fails saying so;
 * it is never skipped.
 */

import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface PromtoolResult {
  readonly code: number | null;
  readonly output: string;
}

/** Throws with what to install when promtool is not on PATH. */
export async function requirePromtool(): Promise<void> {
  try {
    await run('promtool', ['--version']);
  } catch (error) {
    throw new Error(`promtool not found (${String(error)}): install Debian's prometheus package (bash packaging/setup.sh --test)`);
  }
}

/** `promtool ARGS`, with `input` on stdin: its exit status and everything it printed. */
export function promtool(args: readonly string[], input = ''): Promise<PromtoolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('promtool', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
    child.stdin.end(input);
  });
}
