/**
 * What the trackers need from the system, as functions so that unit tests pass their own:
 * running a check command and reading a tracked file. The real ones are below.
 */

import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import type { ScriptIdentity } from '../../config/types.js';
import { runProcess, type ProcessOutcome } from '../child-process.js';
import { OutputTail } from '../output-lines.js';

export interface CheckResult {
  readonly outcome: ProcessOutcome;
  /** The last lines of stdout and stderr, for the log line of a state change. */
  readonly output: string;
}

/** Runs a check; never rejects (a failure to start is an outcome). */
export type RunCommand = (
  argv: readonly string[],
  options: { readonly timeoutMs: number; readonly signal: AbortSignal; readonly runAs?: ScriptIdentity },
) => Promise<CheckResult>;

/** Reads a tracked file's text; rejects when it cannot be read. */
export type ReadTextFile = (path: string) => Promise<string>;

export const runCheckCommand: RunCommand = async (argv, { timeoutMs, signal, runAs }) => {
  const tail = new OutputTail();
  const outcome = await runProcess(argv, { timeoutMs, signal, runAs, onLine: (_stream, line) => tail.push(line) });
  return { outcome, output: tail.text() };
};

/**
 * A tracked file holds one integer, so a few hundred bytes are plenty; reading no more keeps a
 * misconfigured path (a log file, a disk image) from costing a big read every second.
 */
export const MAX_TRACKED_FILE_BYTES = 256;

export const readTrackedFile: ReadTextFile = async (path) => {
  // O_NONBLOCK: a FIFO at that path fails the read (EAGAIN) instead of parking a libuv worker
  // thread until someone writes to it. Regular files ignore the flag.
  const file = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const buffer = Buffer.alloc(MAX_TRACKED_FILE_BYTES + 1);
    // From the current position (the start): position 0 would be ESPIPE on a FIFO.
    const { bytesRead } = await file.read(buffer, 0, buffer.length, null);
    if (bytesRead > MAX_TRACKED_FILE_BYTES) throw new Error(`longer than ${MAX_TRACKED_FILE_BYTES} bytes: not a tracked value`);
    return buffer.toString('utf8', 0, bytesRead);
  } finally {
    await file.close();
  }
};
