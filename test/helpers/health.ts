/**
 * InstanceHealth on a hand-driven clock, with the check commands and file reads passed in: check
 * commands that run until the test ends them, tracked files as a table the test edits.
 */

import type { TrackConfig, TrackScriptConfig } from '../../src/config/types.js';
import type { ProcessOutcome } from '../../src/runtime/child-process.js';
import { Scheduler } from '../../src/runtime/scheduler.js';
import { InstanceHealth, type HealthState } from '../../src/runtime/tracking/instance-health.js';
import type { CheckResult, ReadTextFile, RunCommand } from '../../src/runtime/tracking/ports.js';
import { memoryLogger } from './fake-ports.js';
import { FakeTime } from './fake-time.js';

export const OK: ProcessOutcome = { kind: 'exit', code: 0 };
export const EXIT_1: ProcessOutcome = { kind: 'exit', code: 1 };
export const TIMEOUT: ProcessOutcome = { kind: 'timeout', timeoutMs: 500 };
export const ENOENT: ProcessOutcome = { kind: 'spawn-error', code: 'ENOENT', message: 'spawn /opt/missing ENOENT' };

/** Check commands that run until the test ends them. */
export class FakeRunner {
  readonly calls: Array<{ argv: readonly string[]; timeoutMs: number; signal: AbortSignal; finish: (result: CheckResult) => void }> = [];

  readonly run: RunCommand = (argv, { timeoutMs, signal }) =>
    new Promise((finish) => this.calls.push({ argv, timeoutMs, signal, finish }));

  /** Ends the latest run of the script whose program is `program`. */
  finish(program: string, outcome: ProcessOutcome, output = ''): void {
    const call = this.calls.filter((c) => c.argv[0] === program).at(-1);
    if (call === undefined) throw new Error(`${program} was not run`);
    call.finish({ outcome, output });
  }

  count(program: string): number {
    return this.calls.filter((c) => c.argv[0] === program).length;
  }
}

/** Tracked files as a table the test edits; a missing entry reads as ENOENT. */
export class FakeFiles {
  readonly contents = new Map<string, string>();
  reads = 0;
  readonly read: ReadTextFile = async (path) => {
    this.reads++;
    const text = this.contents.get(path);
    if (text === undefined) throw Object.assign(new Error(`ENOENT: no such file, open '${path}'`), { code: 'ENOENT' });
    return text;
  };
}

export function scriptConfig(name: string, overrides: Partial<TrackScriptConfig> = {}): TrackScriptConfig {
  return { name, command: [`/checks/${name}`, '--arg'], intervalMs: 2000, timeoutMs: 500, rise: 1, fall: 1, weight: 0, initiallyHealthy: false, ...overrides };
}

export function track(partial: Partial<TrackConfig>): TrackConfig {
  return { interfaces: [], scripts: [], files: [], ...partial };
}

/** Lets promise callbacks (runner and reader results) run. */
export const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export interface SetupOptions {
  readonly instance?: string;
  readonly time?: FakeTime;
  readonly scheduler?: Scheduler;
  readonly runCommand?: RunCommand;
}

export function setup(config: TrackConfig, options: SetupOptions = {}) {
  const time = options.time ?? new FakeTime();
  const scheduler = options.scheduler ?? new Scheduler(time, time);
  const { log, lines } = memoryLogger();
  const runner = new FakeRunner();
  const files = new FakeFiles();
  const changes: HealthState[] = [];
  const health = new InstanceHealth(
    config,
    { scheduler, log, instance: options.instance ?? 'web', runCommand: options.runCommand ?? runner.run, readFile: files.read },
    (state) => changes.push(state),
  );
  /** Lets results already given land, moves the clock, and lets the results of what ran land. */
  const advance = async (to: number): Promise<void> => {
    await settle();
    time.advanceTo(to);
    await settle();
  };
  return { time, scheduler, lines, runner, files, changes, health, advance };
}
