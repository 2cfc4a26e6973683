/**
 * Operator step-down holds that outlive a reload and a restart: an instance an operator took out
 * for maintenance must not take the role back because the daemon restarted (a crash, an upgrade,
 * the watchdog). Kept as one small JSON file under the state directory ($STATE_DIRECTORY from
 * systemd's StateDirectory=, else the configured stateDirectory), written atomically (write, then
 * rename), until `resume`.
 */

import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from './logger.js';

export const HOLDS_FILE = 'holds.json';

export function stateDirectory(configured: string, env: NodeJS.ProcessEnv = process.env): string {
  // StateDirectory= may list several; the first is ours.
  const fromSystemd = env.STATE_DIRECTORY?.split(':')[0];
  return fromSystemd !== undefined && fromSystemd !== '' ? fromSystemd : configured;
}

export class HoldStore {
  private readonly held: Set<string>;
  private readonly file: string;

  constructor(
    private readonly directory: string,
    private readonly log: Logger,
  ) {
    this.file = join(directory, HOLDS_FILE);
    this.held = new Set(this.read());
  }

  isHeld(instance: string): boolean {
    return this.held.has(instance);
  }

  /** Records a hold (or its end); a failure to write is logged: the hold still applies now. */
  set(instance: string, held: boolean): void {
    if (this.held.has(instance) === held) return;
    if (held) this.held.add(instance);
    else this.held.delete(instance);
    this.save();
  }

  /** Drops the holds of instances that are no longer configured. */
  keepOnly(instances: ReadonlySet<string>): void {
    const gone = [...this.held].filter((name) => !instances.has(name));
    if (gone.length === 0) return;
    for (const name of gone) this.held.delete(name);
    this.log.info({ instances: gone }, 'step-down holds of instances no longer configured dropped');
    this.save();
  }

  private save(): void {
    try {
      mkdirSync(this.directory, { recursive: true, mode: 0o700 });
      const temporary = `${this.file}.${process.pid}.tmp`;
      const fd = openSync(temporary, 'w', 0o600);
      try {
        writeSync(fd, `${JSON.stringify({ held: [...this.held].sort() })}\n`);
        // On disk before the rename: a crash right after must not leave an empty file.
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(temporary, this.file);
    } catch (error) {
      this.log.error({ err: String(error), file: this.file, reason: 'state-not-saved' }, 'step-down hold not saved: it will not survive a restart');
    }
  }

  private read(): string[] {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') this.log.error({ err: String(error), file: this.file }, 'step-down holds not read');
      return [];
    }
    try {
      const parsed = JSON.parse(text) as { held?: unknown };
      if (Array.isArray(parsed.held) && parsed.held.every((name) => typeof name === 'string')) return parsed.held as string[];
    } catch {
      // Reported below, as for any other shape.
    }
    this.log.error({ file: this.file }, 'step-down holds file is not valid; ignoring it');
    return [];
  }
}
