/**
 * The trackers of one instance (track.interfaces, track.scripts, track.files) and what they
 * add up to (health-state.ts). The instance driver is told only when that sum changes.
 *
 * Lifecycle: construct, start(links) once the daemon knows the links, onLink(...) for every
 * link event, reconfigure(track, links) on a reload, stop() on shutdown. start() sets the initial state without calling onChange:
 * read `current` after it. Until the checks have run, scripts count as failed and files as
 * unread (see rise-fall.ts for why).
 */

import type { TrackConfig, TrackFileConfig, TrackInterfaceConfig, TrackScriptConfig } from '../../config/types.js';
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

/** What reconfigure() needs of every kind of tracker. */
interface Retunable<C> {
  sameCheck(config: C): boolean;
  retune(config: C): void;
}

/**
 * The trackers for `configs`, in their order: an old tracker of the same check is kept (retuned
 * to its new settings), the others are made new. `removed`: old trackers no config kept.
 */
function carryOver<C, T extends Retunable<C>>(old: readonly T[], configs: readonly C[], create: (config: C) => T) {
  const left = [...old];
  const added: T[] = [];
  const trackers = configs.map((config) => {
    const index = left.findIndex((tracker) => tracker.sameCheck(config));
    if (index < 0) {
      const tracker = create(config);
      added.push(tracker);
      return tracker;
    }
    const [kept] = left.splice(index, 1) as [T];
    kept.retune(config);
    return kept;
  });
  return { trackers, added, removed: left };
}

export class InstanceHealth {
  /** In configuration order. */
  private interfaces: InterfaceTracker[];
  private scripts: ScriptTracker[];
  private files: FileTracker[];
  private state: HealthState;
  private running = false;

  constructor(
    track: TrackConfig,
    private readonly deps: InstanceHealthDeps,
    private readonly onChange: (health: HealthState) => void,
  ) {
    this.interfaces = track.interfaces.map((config) => this.newInterface(config));
    this.scripts = track.scripts.map((config) => this.newScript(config));
    this.files = track.files.map((config) => this.newFile(config));
    this.state = this.compute();
  }

  get current(): HealthState {
    return this.state;
  }

  /** Starts the checks. `links`: up/down by interface name; a tracked name missing from it is down. */
  start(links: ReadonlyMap<string, boolean>): void {
    for (const tracker of this.interfaces) tracker.init(links.get(tracker.name) ?? false);
    this.state = this.compute();
    this.running = true;
    for (const tracker of [...this.scripts, ...this.files]) tracker.start();
  }

  /**
   * A reload changed the instance's track settings. Each check whose identity is unchanged (an
   * interface's name, a script's name and command, a file's path) keeps its tracker, its verdict
   * and its schedule, with its new weight, interval, timeout or rise/fall; removed checks stop;
   * new ones start as at start() (scripts unproven, files unread; interfaces from `links`).
   * onChange is called if the sum changed. Why per check: a fresh script tracker starts failed
   * and would send a healthy master to Fault because an unrelated check was added.
   */
  reconfigure(track: TrackConfig, links: ReadonlyMap<string, boolean>): void {
    const interfaces = carryOver(this.interfaces, track.interfaces, (config) => this.newInterface(config));
    const scripts = carryOver(this.scripts, track.scripts, (config) => this.newScript(config));
    const files = carryOver(this.files, track.files, (config) => this.newFile(config));
    for (const tracker of [...scripts.removed, ...files.removed]) tracker.stop();
    this.interfaces = interfaces.trackers;
    this.scripts = scripts.trackers;
    this.files = files.trackers;
    if (!this.running) {
      this.state = this.compute();
      return;
    }
    for (const tracker of interfaces.added) tracker.init(links.get(tracker.name) ?? false);
    for (const tracker of [...scripts.added, ...files.added]) tracker.start();
    this.update();
  }

  /** A link event for any interface; names not tracked here are ignored. */
  onLink(name: string, up: boolean): void {
    if (this.interfaces.find((tracker) => tracker.name === name)?.set(up) === true) this.update();
  }

  /** Stops the checks (killing runs in flight); onChange is not called any more. */
  stop(): void {
    this.running = false;
    for (const tracker of [...this.scripts, ...this.files]) tracker.stop();
  }

  private newInterface(config: TrackInterfaceConfig): InterfaceTracker {
    return new InterfaceTracker(config, this.deps.log);
  }

  private newScript(config: TrackScriptConfig): ScriptTracker {
    const { scheduler, log, instance } = this.deps;
    return new ScriptTracker(config, { scheduler, log, keyPrefix: instance, run: this.deps.runCommand ?? runCheckCommand }, () => this.update());
  }

  private newFile(config: TrackFileConfig): FileTracker {
    const { scheduler, log, instance } = this.deps;
    return new FileTracker(config, { scheduler, log, keyPrefix: instance, read: this.deps.readFile ?? readTrackedFile }, () => this.update());
  }

  private compute(): HealthState {
    const trackers = [...this.interfaces, ...this.scripts, ...this.files];
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
