/**
 * Where the daemon's log lines go: stdout (the journal under systemd) through pino's
 * asynchronous destination (sonic-boom). A stalled journal must never hold the event loop: the
 * Active_Down_Timer (RFC 9568 §6.4.2) fires on time and a takeover completes whatever journald
 * is doing.
 *
 * - Writes never block. Node makes a pipe or socket stdout non-blocking when process.stdout is
 *   first used (libuv's uv_pipe_open); a write the journal refuses (EAGAIN) is retried by
 *   sonic-boom every 100 ms in the background. Left blocking, a write to a stalled journal
 *   would hold one of libuv's pool threads, and process.exit() waits for that thread: the
 *   daemon could not even exit.
 * - Memory is bounded: at most MAX_PENDING_LOG_BYTES wait for the journal; a line beyond that
 *   is dropped and counted, and once the journal has taken everything again one warning says
 *   how many lines were lost (the note is given to `onDropped`, which logs it).
 * - Exit: flush() gives the journal a short time to take what is pending; then a last
 *   synchronous attempt on 'exit' (process.exit, an uncaught exception) that never waits for a
 *   stalled journal.
 */

import { pino, type DestinationStream } from 'pino';

/** What may wait for the journal: some thousands of lines, a few seconds of a transition storm. */
export const MAX_PENDING_LOG_BYTES = 1024 * 1024;
/** How long the last, synchronous flush on 'exit' keeps trying (uncaught exceptions, process.exit). */
const FINAL_FLUSH_MS = 50;

/** How long flush() waits at exit: a journal that takes no line in this time is stalled. */
export const FLUSH_TIMEOUT_MS = 100;

type SonicBoom = ReturnType<typeof pino.destination>;

export class AsyncLogOutput implements DestinationStream {
  private pendingBytes = 0;
  private dropped = 0;
  private exiting = false;
  private readonly drained = new Set<() => void>();
  /** Called with the count of lines dropped, when the journal takes lines again (and at exit). */
  onDropped: (count: number) => void = () => undefined;
  private readonly sink: SonicBoom;

  constructor(fd: number) {
    // Registered before pino.destination registers its own 'exit' flush, and prepended: ours
    // runs first and leaves pino's nothing to do (its flushSync would wait for ever).
    process.prependListener('exit', () => this.finalFlush());
    this.sink = pino.destination({
      dest: fd,
      sync: false,
      // Every line is handed to the kernel at once (the daemon logs little, and a transition
      // belongs in the journal now); lines that arrive during a write go out together next.
      minLength: 0,
      maxLength: MAX_PENDING_LOG_BYTES,
      // EAGAIN: sonic-boom tries again in 100 ms, unless the process is exiting.
      retryEAGAIN: () => !this.exiting,
    });
    this.sink.on('write', (bytes: number) => {
      this.pendingBytes -= bytes;
    });
    this.sink.on('drop', (line: string) => {
      this.pendingBytes -= Buffer.byteLength(line);
      this.dropped++;
    });
    this.sink.on('drain', () => this.onDrain());
    // A journal that fails (EIO …) must not take the daemon down with it; pino re-emits every
    // error but EPIPE, which would throw without a listener. The line is tried again next write.
    this.sink.on('error', () => undefined);
  }

  write(line: string): void {
    this.pendingBytes += Buffer.byteLength(line);
    this.sink.write(line);
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

  private onDrain(): void {
    if (this.dropped > 0) this.reportDropped(); // a new write when it is logged: a later drain
    if (this.pendingBytes === 0) for (const done of [...this.drained]) done();
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
    if (this.dropped > 0) this.reportDropped();
    const deadline = Date.now() + FINAL_FLUSH_MS;
    const pause = new Int32Array(new SharedArrayBuffer(4));
    while (this.pendingBytes > 0) {
      try {
        this.sink.flushSync();
        break;
      } catch {
        // EAGAIN: the journal is behind. Past the deadline, what it did not take is lost.
        if (Date.now() >= deadline) break;
        Atomics.wait(pause, 0, 0, 1);
      }
    }
    this.sink.destroy();
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
