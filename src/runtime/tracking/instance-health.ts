/**
 * The trackers of one instance (track.interfaces, track.scripts, track.files) and what they
 * add up to (health-state.ts). The instance driver is told only when that sum changes.
 *
 * Lifecycle: construct, start(links) once the daemon knows the links, onLink(...) for every
 * link event, stop() on shutdown. start() sets the initial state without calling onChange:
 * read `current` after it. Until the checks have run, scripts count as failed and files as
 * unread (see rise-fall.ts for why).
 */

import type { TrackConfig } from '../../config/types.js';
import type { Logger } from '../logger.js';
import type { Scheduler } from '../scheduler.js';
import { FileTracker } from './file-tracker.js';
import { combineHealth, sameHealth, type HealthState } from './health-state.js';
import { InterfaceTracker } from './interface-tracker.js';
import { readTrackedFile, runCheckCommand, type ReadTextFile, type RunCommand } from './ports.js';
import { ScriptTracker } from './script-tracker.js';

export { effectivePriority, HEALTHY, type HealthState } from './health-state.js';

export interface InstanceHealthDeps {
  readonly scheduler: Scheduler;
  /** A child logger that already carries the instance's name. */
  readonly log: Logger;
  /** The instance's name: keys its deadlines in the shared scheduler ("web/track-script:check"). */
  readonly instance: string;
  readonly runCommand?: RunCommand;
  readonly readFile?: ReadTextFile;
}

export class InstanceHealth {
  /** By interface name, in configuration order. */
  private readonly interfaces = new Map<string, InterfaceTracker>();
  private readonly scripts: ScriptTracker[];
  private readonly files: FileTracker[];
  private state: HealthState;
  private running = false;

  constructor(
    track: TrackConfig,
    private readonly deps: InstanceHealthDeps,
    private readonly onChange: (health: HealthState) => void,
  ) {
    const { scheduler, log, instance } = deps;
    const update = (): void => this.update();
    for (const config of track.interfaces) this.interfaces.set(config.name, new InterfaceTracker(config, log));
    const run = deps.runCommand ?? runCheckCommand;
    this.scripts = track.scripts.map((config) => new ScriptTracker(config, { scheduler, log, keyPrefix: instance, run }, update));
    const read = deps.readFile ?? readTrackedFile;
    this.files = track.files.map((config) => new FileTracker(config, { scheduler, log, keyPrefix: instance, read }, update));
    this.state = this.compute();
  }

  get current(): HealthState {
    return this.state;
  }

  /** Starts the checks. `links`: up/down by interface name; a tracked name missing from it is down. */
  start(links: ReadonlyMap<string, boolean>): void {
    for (const [name, tracker] of this.interfaces) tracker.init(links.get(name) ?? false);
    this.state = this.compute();
    this.running = true;
    for (const tracker of [...this.scripts, ...this.files]) tracker.start();
  }

  /** A link event for any interface; names not tracked here are ignored. */
  onLink(name: string, up: boolean): void {
    if (this.interfaces.get(name)?.set(up) === true) this.update();
  }

  /** Stops the checks (killing runs in flight); onChange is not called any more. */
  stop(): void {
    this.running = false;
    for (const tracker of [...this.scripts, ...this.files]) tracker.stop();
  }

  private compute(): HealthState {
    const trackers = [...this.interfaces.values(), ...this.scripts, ...this.files];
    return combineHealth(trackers.map((tracker) => tracker.status));
  }

  private update(): void {
    if (!this.running) return;
    const next = this.compute();
    if (sameHealth(next, this.state)) return;
    this.state = next;
    this.deps.log.info({ faults: next.faults, priorityDelta: next.priorityDelta }, 'health changed');
    this.onChange(next);
  }
}
