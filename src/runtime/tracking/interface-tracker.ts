/**
 * One track interface: its link state as the daemon reports it (netlink link events). No
 * polling of its own; an interface the daemon does not know counts as down.
 */

import type { TrackInterfaceConfig } from '../../config/types.js';
import type { Logger } from '../logger.js';
import { sourceName, type TrackerStatus } from './health-state.js';

export class InterfaceTracker {
  private up = false;
  private readonly source: string;

  constructor(
    private config: TrackInterfaceConfig,
    private readonly log: Logger,
  ) {
    this.source = sourceName(this.status);
  }

  get status(): TrackerStatus {
    return { kind: 'interface', name: this.config.name, weight: this.config.weight, up: this.up };
  }

  /** The same interface is the same check, whatever its weight. */
  sameCheck(config: TrackInterfaceConfig): boolean {
    return config.name === this.config.name;
  }

  /** A new weight: the link state is kept. */
  retune(config: TrackInterfaceConfig): void {
    this.config = config;
  }

  get name(): string {
    return this.config.name;
  }

  /** The state at start; a down link is reported, as it already counts against the instance. */
  init(up: boolean): void {
    this.up = up;
    if (!up) this.log.warn({ track: this.source, link: 'down' }, 'tracked interface is down');
  }

  /** A link event; true when it changed the state. */
  set(up: boolean): boolean {
    if (up === this.up) return false;
    this.up = up;
    if (up) this.log.info({ track: this.source, link: 'up' }, 'tracked interface up');
    else this.log.warn({ track: this.source, link: 'down' }, 'tracked interface down');
    return true;
  }
}
