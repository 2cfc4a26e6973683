/**
 * Runs an operator's program (a track script, a notify hook) without a shell and without ever
 * blocking the event loop, and says how it ended.
 *
 * Conventions:
 * - The promise never rejects: a program that cannot be started is an outcome ('spawn-error'),
 *   like one that exits non-zero, is killed by a signal, or overruns its time ('timeout').
 * - The program gets a process group of its own (detached: setsid), and a timeout or an abort
 *   SIGKILLs the whole group. Killing only the leader would leave `#!/bin/sh` scripts' children
 *   (the `sleep`, the `curl`) running and holding the output pipes open.
 * - The promise settles when the program exits, not when its output pipes close: a program that
 *   leaves a background process behind (`daemon &` in a notify hook) must not hold up the next
 *   hook. Output still in flight at exit gets EXIT_DRAIN_MS to arrive; lines that come later
 *   are still passed to `onLine`.
 * - The environment never carries what systemd meant for the daemon alone (NOTIFY_SOCKET,
 *   WATCHDOG_*, LISTEN_*, JOURNAL_STREAM): see DAEMON_ONLY_ENVIRONMENT.
 * - The program runs with no capabilities, as `runAs` when given, and with descriptors 0-2 only
 *   (script-privileges.ts): it is started through setpriv. That the program exists and is
 *   executable is checked first, so that a missing one is still a 'spawn-error' (ENOENT, EACCES)
 *   rather than setpriv's exit 127; one that setpriv cannot exec after all exits 126 or 127 with
 *   setpriv's reason on stderr. Without setpriv nothing runs: a 'spawn-error' that names it.
 * - The watchdogs are host timers (clock.ts), not Scheduler deadlines: they belong to one child
 *   process, and callers (notify hooks) need not own a Scheduler.
 */

import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { nodeTimerHost } from './clock.js';
import type { ScriptIdentity } from '../config/types.js';
import { LineSplitter } from './output-lines.js';
import { markDescriptorsCloseOnExec, ownLauncher, SETPRIV, unprivilegedArgv } from './script-privileges.js';

export const EXIT_DRAIN_MS = 50;

export type OutputStream = 'stdout' | 'stderr';

export interface ProcessOptions {
  /** Killed (SIGKILL, whole process group) after this long. */
  readonly timeoutMs: number;
  /** The environment; default: the daemon's own. Either way without DAEMON_ONLY_ENVIRONMENT. */
  readonly env?: NodeJS.ProcessEnv;
  /** Kills the program (SIGKILL, whole process group), e.g. when the daemon stops. */
  readonly signal?: AbortSignal;
  /** Each line of output as it arrives, without its line end; long lines come in pieces. */
  readonly onLine?: (stream: OutputStream, line: string) => void;
  /** Run as this user (scriptUser); default: the daemon's own user. Never with capabilities. */
  readonly runAs?: ScriptIdentity;
}

export type ProcessOutcome =
  | { readonly kind: 'exit'; readonly code: number }
  | { readonly kind: 'signal'; readonly signal: string }
  | { readonly kind: 'timeout'; readonly timeoutMs: number }
  | { readonly kind: 'aborted' }
  | { readonly kind: 'spawn-error'; readonly code: string; readonly message: string };

/** Success is exit status 0 and nothing else. */
export function succeeded(outcome: ProcessOutcome): boolean {
  return outcome.kind === 'exit' && outcome.code === 0;
}

/** "exit 1", "killed by SIGTERM", "timed out after 200 ms (killed)", "cannot start: ENOENT ..." */
export function describeOutcome(outcome: ProcessOutcome): string {
  switch (outcome.kind) {
    case 'exit':
      return `exit ${outcome.code}`;
    case 'signal':
      return `killed by ${outcome.signal}`;
    case 'timeout':
      return `timed out after ${outcome.timeoutMs} ms (killed)`;
    case 'aborted':
      return 'stopped (killed)';
    case 'spawn-error':
      return `cannot start: ${outcome.message}`;
  }
}

/**
 * Variables systemd sets for the daemon alone, removed from every child's environment. With
 * NOTIFY_SOCKET a script could tell systemd READY=1 or STOPPING=1 in the daemon's name, and with
 * WATCHDOG_* keep a hung daemon's watchdog quiet; LISTEN_* describe descriptors the child does
 * not have. JOURNAL_STREAM names the journal stream of the daemon's stdout: the child's stdout is
 * a pipe to us, and a program that believed the variable would log as if it wrote to the journal.
 * INVOCATION_ID stays: it names the service run, which is what a script logs it for.
 */
export const DAEMON_ONLY_ENVIRONMENT: readonly string[] = [
  'NOTIFY_SOCKET',
  'WATCHDOG_USEC',
  'WATCHDOG_PID',
  'LISTEN_FDS',
  'LISTEN_PID',
  'LISTEN_FDNAMES',
  'JOURNAL_STREAM',
];

function childEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const copy = { ...env };
  for (const name of DAEMON_ONLY_ENVIRONMENT) delete copy[name];
  return copy;
}

/** The signature of runProcess, for callers that take it as an injectable dependency. */
export type RunProcess = (argv: readonly string[], options: ProcessOptions) => Promise<ProcessOutcome>;

export const runProcess: RunProcess = async (argv, options) => {
  const [file] = argv;
  if (file === undefined) return { kind: 'spawn-error', code: 'EINVAL', message: 'empty command' };
  const problem = await notRunnable(file);
  if (problem !== undefined) return problem;
  if (options.signal?.aborted === true) return { kind: 'aborted' };
  return new Promise((resolve) => {
    const [launcher, ...args] = unprivilegedArgv(argv, ownLauncher(), options.runAs);
    let child: ChildProcess;
    try {
      markDescriptorsCloseOnExec();
      child = spawn(launcher as string, args, {
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
        env: childEnvironment(options.env ?? process.env),
        windowsHide: true,
      });
    } catch (error) {
      // Synchronous refusals (an argument Node cannot pass, e.g. one with a NUL byte).
      resolve(spawnError(error));
      return;
    }
    watch(child, options, resolve);
  });
};

/** A program that is missing, not a regular file or not executable, as Node's spawn would say. */
async function notRunnable(file: string): Promise<ProcessOutcome | undefined> {
  try {
    if (!(await stat(file)).isFile()) return { kind: 'spawn-error', code: 'EACCES', message: `${file}: not a regular file` };
    await access(file, constants.X_OK);
    return undefined;
  } catch (error) {
    return spawnError(error);
  }
}

function watch(child: ChildProcess, options: ProcessOptions, resolve: (outcome: ProcessOutcome) => void): void {
  let killedFor: 'timeout' | 'aborted' | undefined;
  let outcome: ProcessOutcome | undefined;
  let settled = false;
  let openStreams = 0;
  let drain: { cancel(): void } | undefined;

  const killGroup = (reason: 'timeout' | 'aborted'): void => {
    killedFor ??= reason;
    const pid = child.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // The group is gone already (the program exited just now).
    }
  };
  const watchdog = nodeTimerHost.after(options.timeoutMs, () => killGroup('timeout'));
  const onAbort = (): void => killGroup('aborted');
  options.signal?.addEventListener('abort', onAbort, { once: true });

  const settle = (): void => {
    if (settled || outcome === undefined) return;
    settled = true;
    drain?.cancel();
    // Pipes a left-behind background process still holds must not keep the daemon from
    // exiting; while it runs, their lines are still read and passed on.
    for (const stream of [child.stdout, child.stderr]) (stream as Partial<Socket> | null)?.unref?.();
    resolve(outcome);
  };
  const finish = (result: ProcessOutcome): void => {
    // A failed start may be reported twice ('error', then 'exit'): the first one counts.
    if (outcome !== undefined) return;
    outcome = result;
    watchdog.cancel();
    options.signal?.removeEventListener('abort', onAbort);
    if (openStreams === 0) settle();
    else drain = nodeTimerHost.after(EXIT_DRAIN_MS, settle);
  };

  for (const [name, stream] of [['stdout', child.stdout], ['stderr', child.stderr]] as const) {
    if (stream === null) continue;
    openStreams++;
    readLines(stream, (line) => options.onLine?.(name, line), () => {
      openStreams--;
      if (openStreams === 0) settle();
    });
  }

  child.on('error', (error) => {
    // Also emitted when a kill fails; only a failed start (no pid) ends the run here. What
    // failed to start then is setpriv: the program itself has not been tried.
    if (child.pid === undefined) finish(launcherError(error));
  });
  child.once('exit', (code, signal) => {
    if (killedFor === 'timeout') {
      finish({ kind: 'timeout', timeoutMs: options.timeoutMs });
    } else if (killedFor === 'aborted') {
      finish({ kind: 'aborted' });
    } else if (code !== null) {
      finish({ kind: 'exit', code });
    } else {
      finish({ kind: 'signal', signal: signal ?? 'unknown signal' });
    }
  });
}

function readLines(stream: Readable, onLine: (line: string) => void, onEnd: () => void): void {
  const splitter = new LineSplitter();
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => splitter.push(chunk).forEach(onLine));
  // 'close' comes after 'end' and also after an error, so it is counted once either way.
  stream.once('close', () => {
    splitter.end().forEach(onLine);
    onEnd();
  });
  stream.on('error', () => {});
}

function launcherError(error: unknown): ProcessOutcome {
  const outcome = spawnError(error);
  if (outcome.kind !== 'spawn-error') return outcome;
  return { ...outcome, message: `cannot drop capabilities: ${SETPRIV} (util-linux) did not start: ${outcome.message}; not run` };
}

function spawnError(error: unknown): ProcessOutcome {
  const code = (error as NodeJS.ErrnoException | undefined)?.code ?? 'UNKNOWN';
  const message = error instanceof Error ? error.message : String(error);
  return { kind: 'spawn-error', code, message };
}
