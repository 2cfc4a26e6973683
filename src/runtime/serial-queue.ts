/**
 * Runs jobs one after another, in the order they were asked for: reloads asked for while one is
 * running wait their turn instead of being merged into it, so each caller gets the result of the
 * reload that read the file as it was when that reload began, and the last file on disk is what
 * ends up running. A failed job does not stop the ones behind it.
 */

export class SerialQueue {
  private tail: Promise<void> = Promise.resolve();
  private waiting = 0;

  run<T>(job: () => Promise<T>): Promise<T> {
    this.waiting++;
    // Nothing ahead: it starts now, in the caller's tick (so it reads the file as it is now).
    const started = this.waiting === 1 ? (async () => job())() : this.tail.then(job);
    const result = started.finally(() => this.waiting--);
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  /** Jobs queued or running. */
  get size(): number {
    return this.waiting;
  }

  /** Resolves once every job asked for so far has finished. */
  idle(): Promise<void> {
    return this.tail;
  }
}
