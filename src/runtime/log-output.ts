/**
 * Where the daemon's log lines go: stdout (the journal under systemd) through pino's
 * asynchronous destination (sonic-boom). A stalled journal must never hold the event loop: the
 * Active_Down_Timer (RFC 9568 §6.4.2) fires on time and a takeover completes whatever journald
 * is doing.
 *
 * - Writes never block. Node makes a pipe or socket stdout non-blocking when process.stdout is
 *   first used (libuv's uv_pipe_open), so a write(2) the journal cannot take fails at once with
 *   EAGAIN instead of waiting; what it did not take stays queued here and is tried again every
 *   RETRY_MS. The writes are made on the main thread, never in libuv's pool: a write in flight
 *   on a pool thread when an uncaught exception ends the process is lost (pino's sonic-boom did
 *   that to the first line of a burst on a loaded machine), and a blocking write on a pool
 *   thread to a stalled journal would hold process.exit() up.
 * - Memory is bounded: at most MAX_PENDING_LOG_BYTES wait for the journal; a line beyond that
 *   is dropped and counted, and once the journal has taken everything again one warning says
 *   how many lines were lost (the note is given to `onDropped`, which logs it).
 * - Exit: flush() gives the journal a short time to take what is pending; then a last
 *   synchronous attempt on 'exit' (process.exit, an uncaught exception) that never waits for a
 *   stalled journal.
 */

import { writeSync } from 'node:fs';
import type { DestinationStream } from 'pino';

/** What may wait for the journal: some thousands of lines, a few seconds of a transition storm. */
export const MAX_PENDING_LOG_BYTES = 1024 * 1024;
/** How long the last, synchronous flush on 'exit' keeps trying (uncaught exceptions, process.exit). */
const FINAL_FLUSH_MS = 50;
/** How soon a journal that refused a write (EAGAIN) or failed (EIO …) is tried again. */
const RETRY_MS = 20;

/** How long flush() waits at exit: a journal that takes no line in this time is stalled. */
export const FLUSH_TIMEOUT_MS = 100;

/** write(2) on a non-blocking fd: the bytes taken, 0 when it would block; throws on other errors. */
export type FdWrite = (fd: number, data: Buffer) => number;

function writeOrWouldBlock(fd: number, data: Buffer): number {
  try {
    return writeSync(fd, data);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EAGAIN' || code === 'EWOULDBLOCK') return 0;
    throw error;
  }
}

export class AsyncLogOutput implements DestinationStream {
  /** Lines not yet taken by the kernel, oldest first; the first may be partly written. */
  private readonly queue: Buffer[] = [];
  private pendingBytes = 0;
  private dropped = 0;
  private exiting = false;
  private retry: NodeJS.Timeout | undefined;
  private readonly drained = new Set<() => void>();
  /** Called with the count of lines dropped, when the journal takes lines again (and at exit). */
  onDropped: (count: number) => void = () => undefined;

  constructor(
    private readonly fd: number,
    private readonly writeFd: FdWrite = writeOrWouldBlock,
  ) {
    process.prependListener('exit', () => this.finalFlush());
  }

  write(line: string): void {
    const bytes = Buffer.from(line);
    if (this.pendingBytes + bytes.length > MAX_PENDING_LOG_BYTES) {
      this.dropped++;
      return;
    }
    this.queue.push(bytes);
    this.pendingBytes += bytes.length;
    // A retry is due: the journal is behind, and this line waits its turn.
    if (this.retry === undefined) this.writeQueued();
  }

  /** Bytes handed to us and not yet taken by the kernel (dropped lines excluded). */
  get pending(): number {
    return this.pendingBytes;
  }

  /** Resolves when everything is written, or after `timeoutMs` (the journal is stalled). */
  flush(timeoutMs = FLUSH_TIMEOUT_MS): Promise<void> {
    if (this.pendingBytes === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.drained.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.drained.add(done);
    });
  }

  /** Writes what the kernel takes now; true when the queue is empty. */
  private writeSome(): boolean {
    while (this.queue.length > 0) {
      const head = this.queue[0] as Buffer;
      let taken: number;
      try {
        taken = this.writeFd(this.fd, head);
      } catch {
        // A journal that fails (EIO, EPIPE …) must not take the daemon down with it: the line
        // is tried again, and the bound above keeps what waits finite.
        return false;
      }
      if (taken === 0) return false;
      this.pendingBytes -= taken;
      if (taken < head.length) this.queue[0] = head.subarray(taken);
      else this.queue.shift();
    }
    return true;
  }

  private writeQueued(): void {
    this.retry = undefined;
    if (!this.writeSome()) {
      if (!this.exiting) this.retry = setTimeout(() => this.writeQueued(), RETRY_MS).unref();
      return;
    }
    if (this.dropped > 0) this.reportDropped(); // its line is written by the same call
    for (const done of [...this.drained]) done();
  }

  private reportDropped(): void {
    const count = this.dropped;
    this.dropped = 0;
    this.onDropped(count);
  }

  /**
   * Synchronous attempts for at most FINAL_FLUSH_MS: a journal that is merely slow (a loaded
   * machine) gets the last lines, a stalled one does not hold the exit up.
   */
  private finalFlush(): void {
    if (this.exiting) return;
    this.exiting = true;
    clearTimeout(this.retry);
    if (this.dropped > 0) this.reportDropped();
    const deadline = Date.now() + FINAL_FLUSH_MS;
    const pause = new Int32Array(new SharedArrayBuffer(4));
    // EAGAIN: the journal is behind. Past the deadline, what it did not take is lost.
    while (!this.writeSome() && Date.now() < deadline) Atomics.wait(pause, 0, 0, 1);
  }
}

let stdout: AsyncLogOutput | undefined;

/** The process's one stdout log output, made on first use. */
export function stdoutLogOutput(): AsyncLogOutput {
  if (stdout === undefined) {
    void process.stdout.fd; // makes a pipe or socket stdout non-blocking (see the top of the file)
    stdout = new AsyncLogOutput(1);
  }
  return stdout;
}

/**
 * Gives the journal up to `timeoutMs` to take the lines still pending, before process.exit().
 * Nothing to do when no logger writes to stdout.
 */
export function flushLogs(timeoutMs = FLUSH_TIMEOUT_MS): Promise<void> {
  return stdout?.flush(timeoutMs) ?? Promise.resolve();
}
