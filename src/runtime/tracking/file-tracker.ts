/**
 * One track file: read every FILE_READ_INTERVAL_MS (PeriodicJob), parsed as one integer. A file
 * that cannot be read or parsed has no value (health-state.ts says what that means per weight)
 * and is warned about once per FILE_WARN_INTERVAL_MS, not every second.
 */

import type { TrackFileConfig } from '../../config/types.js';
import type { Logger } from '../logger.js';
import { RateLimiter } from '../rate-limit.js';
import type { Scheduler } from '../scheduler.js';
import { parseFileValue, type FileValue } from './file-value.js';
import { sourceName, type TrackerStatus } from './health-state.js';
import { PeriodicJob } from './periodic-job.js';
import type { ReadTextFile } from './ports.js';

export const FILE_READ_INTERVAL_MS = 1000;
export const FILE_WARN_INTERVAL_MS = 60_000;

export interface FileTrackerDeps {
  readonly scheduler: Scheduler;
  readonly log: Logger;
  /** Prefix of the scheduler key, unique per instance. */
  readonly keyPrefix: string;
  readonly read: ReadTextFile;
}

type ReadResult = FileValue | { readonly ok: false; readonly reason: 'unreadable'; readonly detail: string };

export class FileTracker {
  private value: number | undefined;
  private readonly source: string;
  private readonly job: PeriodicJob;
  private readonly warnings = new RateLimiter(FILE_WARN_INTERVAL_MS);

  constructor(
    private config: TrackFileConfig,
    private readonly deps: FileTrackerDeps,
    private readonly onChange: () => void,
  ) {
    this.source = sourceName(this.status);
    this.job = new PeriodicJob(deps.scheduler, `${deps.keyPrefix}/${this.source}`, FILE_READ_INTERVAL_MS, (signal) => this.readOnce(signal), () =>
      deps.log.debug({ track: this.source }, 'tracked file still being read: read skipped'),
    );
  }

  get status(): TrackerStatus {
    return { kind: 'file', path: this.config.path, weight: this.config.weight, value: this.value };
  }

  start(): void {
    this.job.start();
  }

  /** The same file is the same check, whatever its weight. */
  sameCheck(config: TrackFileConfig): boolean {
    return config.path === this.config.path;
  }

  /** A new weight: the value read is kept. */
  retune(config: TrackFileConfig): void {
    this.config = config;
  }

  stop(): void {
    this.job.stop();
  }

  private async readOnce(signal: AbortSignal): Promise<void> {
    let result: ReadResult;
    try {
      result = parseFileValue(await this.deps.read(this.config.path));
    } catch (error) {
      const detail = (error as NodeJS.ErrnoException | undefined)?.code ?? (error instanceof Error ? error.message : String(error));
      result = { ok: false, reason: 'unreadable', detail };
    }
    if (!signal.aborted) this.record(result);
  }

  private record(result: ReadResult): void {
    const next = result.ok ? result.value : undefined;
    if (!result.ok) this.warnLimited(result);
    if (next === this.value) return;
    const previous = this.value;
    this.value = next;
    this.deps.log.info({ track: this.source, value: next ?? null, previous: previous ?? null }, 'tracked file value changed');
    this.onChange();
  }

  private warnLimited(result: Exclude<ReadResult, { ok: true }>): void {
    const now = this.deps.scheduler.now();
    if (!this.warnings.allow(result.reason, now)) return;
    const suppressed = this.warnings.takeSuppressed(result.reason);
    const effect = this.config.weight === 0 ? 'fault' : 'counted as 0';
    this.deps.log.warn(
      {
        track: this.source,
        reason: result.reason,
        ...('detail' in result ? { detail: result.detail } : {}),
        effect,
        ...(suppressed > 0 ? { suppressed } : {}),
      },
      'tracked file has no integer value',
    );
  }
}
