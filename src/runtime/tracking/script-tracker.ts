/**
 * One track script: runs it on its interval (PeriodicJob), counts results with rise/fall, and
 * logs each change of state with how the run ended and the end of its output.
 */

import type { TrackScriptConfig } from '../../config/types.js';
import { describeOutcome, succeeded } from '../child-process.js';
import type { Logger } from '../logger.js';
import type { Scheduler } from '../scheduler.js';
import { sourceName, type TrackerStatus } from './health-state.js';
import { PeriodicJob } from './periodic-job.js';
import type { CheckResult, RunCommand } from './ports.js';
import { countResult, initialVerdict, type RiseFallState } from './rise-fall.js';

export interface ScriptTrackerDeps {
  readonly scheduler: Scheduler;
  readonly log: Logger;
  /** Prefix of the scheduler key, unique per instance. */
  readonly keyPrefix: string;
  readonly run: RunCommand;
}

export class ScriptTracker {
  private state: RiseFallState;
  private seenResult = false;
  private readonly source: string;
  private readonly job: PeriodicJob;

  constructor(
    private config: TrackScriptConfig,
    private readonly deps: ScriptTrackerDeps,
    private readonly onChange: () => void,
  ) {
    this.state = initialVerdict(config.initiallyHealthy);
    this.source = sourceName(this.status);
    this.job = new PeriodicJob(deps.scheduler, `${deps.keyPrefix}/${this.source}`, config.intervalMs, (signal) => this.runOnce(signal), () =>
      deps.log.warn({ track: this.source }, 'track script still running at its next interval: run skipped'),
    );
  }

  get status(): TrackerStatus {
    return { kind: 'script', name: this.config.name, weight: this.config.weight, healthy: this.state.healthy };
  }

  start(): void {
    this.job.start();
  }

  /**
   * Whether `config` is the check this tracker runs: the same name and command. Its other
   * settings say how often it runs and how its results count, and a reload changes them in place
   * (retune) without losing the verdict.
   */
  sameCheck(config: TrackScriptConfig): boolean {
    return config.name === this.config.name && sameArgv(config.command, this.config.command);
  }

  /** New interval, timeout, rise/fall or weight for the same check: the verdict is kept. */
  retune(config: TrackScriptConfig): void {
    this.config = config;
    this.job.changeInterval(config.intervalMs);
  }

  stop(): void {
    this.job.stop();
  }

  private async runOnce(signal: AbortSignal): Promise<void> {
    let result: CheckResult;
    try {
      result = await this.deps.run(this.config.command, { timeoutMs: this.config.timeoutMs, signal, runAs: this.config.runAs });
    } catch (error) {
      // The runner promises not to reject; if one does, the check has still not succeeded.
      result = { outcome: { kind: 'spawn-error', code: 'UNKNOWN', message: String(error) }, output: '' };
    }
    if (!signal.aborted) this.record(result);
  }

  private record(result: CheckResult): void {
    const success = succeeded(result.outcome);
    const before = this.state;
    this.state = countResult(before, success, this.config);
    const first = !this.seenResult;
    this.seenResult = true;
    const changed = this.state.healthy !== before.healthy;
    const fields = { track: this.source, health: this.state.healthy ? 'healthy' : 'failed', outcome: describeOutcome(result.outcome) };
    if (changed && this.state.healthy) {
      this.deps.log.info(fields, 'track script healthy');
    } else if (changed || (first && !success)) {
      // The first failure is reported too: the failed state was assumed until now, not seen.
      this.deps.log.warn({ ...fields, ...(result.output === '' ? {} : { output: result.output }) }, 'track script failed');
    } else if (!success || this.state.streak > 0) {
      this.deps.log.debug({ ...fields, streak: this.state.streak }, 'track script result');
    }
    if (changed) this.onChange();
  }
}

function sameArgv(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((arg, i) => arg === b[i]);
}
