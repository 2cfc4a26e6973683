import type { Logger } from './logger.js';

/**
 * Log-once-per-interval by key (reason code and peer, as keepalived rate-limits by reason):
 * a flood of malformed packets costs a counter increment each and one log line a minute.
 */

export class RateLimiter {
  private readonly last = new Map<string, number>();
  private suppressedSince = new Map<string, number>();

  /** `maxKeys` bounds the memory a stream of ever-new keys (spoofed sources) can take. */
  constructor(
    private readonly intervalMs: number,
    private readonly maxKeys = 256,
  ) {}

  /** True when `key` may be logged now; otherwise counts it as suppressed. */
  allow(key: string, now: number): boolean {
    const previous = this.last.get(key);
    if (previous !== undefined && now - previous < this.intervalMs) {
      this.suppressedSince.set(key, (this.suppressedSince.get(key) ?? 0) + 1);
      return false;
    }
    this.last.delete(key); // re-inserted last: the Map's order is then oldest first
    this.last.set(key, now);
    if (this.last.size > this.maxKeys) {
      const oldest = this.last.keys().next().value as string;
      this.last.delete(oldest);
      this.suppressedSince.delete(oldest);
    }
    return true;
  }

  get size(): number {
    return this.last.size;
  }

  /** How many were suppressed since the last allowed one (and resets that count). */
  takeSuppressed(key: string): number {
    const count = this.suppressedSince.get(key) ?? 0;
    this.suppressedSince.delete(key);
    return count;
  }
}

/** Writes the line if `key` may be logged now, with how many were suppressed since the last one. */
export function logLimited<L extends 'warn' | 'info'>(
  limiter: RateLimiter,
  log: Pick<Logger, L>,
  line: { readonly level: L; readonly key: string; readonly now: number; readonly message: string },
  fields: Record<string, unknown>,
): void {
  if (!limiter.allow(line.key, line.now)) return;
  const suppressed = limiter.takeSuppressed(line.key);
  log[line.level]({ ...fields, ...(suppressed > 0 ? { suppressed } : {}) }, line.message);
}
