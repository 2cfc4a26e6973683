/**
 * What the operator's programs (track scripts, notify hooks) are allowed to keep of the daemon:
 * nothing. Every program is started through setpriv(1), which empties the ambient and inheritable
 * capability sets before it execs the program, and, when the daemon is root, the bounding set
 * too. The permitted and effective sets after that exec are then empty as well (capabilities(7),
 * "Transformation of capabilities during execve()"): a non-root exec keeps only ambient
 * capabilities, and a root exec only those in the bounding set. With a `runAs` identity setpriv
 * also switches to that user, its primary group and its supplementary groups (initgroups(3)).
 *
 * Why setpriv: Node's spawn() can change uid and gid but has no hook to drop capabilities
 * between fork and exec, and the ambient set (the shipped unit's AmbientCapabilities=) survives
 * a setuid to another non-root user. setpriv is util-linux, Essential on Debian.
 *
 * Lowering the ambient and inheritable sets needs no privilege. Dropping the bounding set needs
 * CAP_SETPCAP, which root has; changing user needs CAP_SETUID and CAP_SETGID in what setpriv
 * starts with: the bounding set for a root daemon, the ambient set for a non-root one.
 *
 * Descriptors: the daemon marks every descriptor above stderr close-on-exec right before it
 * spawns (markDescriptorsCloseOnExec), so what it inherited itself (a shell's, systemd's further
 * LISTEN_FDS) and what a third-party addon opened without SOCK_CLOEXEC never reaches a child.
 */

import { readdirSync } from 'node:fs';
import type { DaemonConfig, ScriptIdentity } from '../config/types.js';
import { absentFrom, ownStatus, readCapabilitySet, type CapabilityName } from '../net/capabilities.js';
import { setCloseOnExec } from '../net/native.js';

export const SETPRIV = '/usr/bin/setpriv';

export interface Launcher {
  /** The daemon's real uid is 0: its children's exec would give them root's capabilities back. */
  readonly daemonIsRoot: boolean;
}

/** The argv that runs `argv` with no capabilities, as `runAs` when given. Pure. */
export function unprivilegedArgv(argv: readonly string[], launcher: Launcher, runAs?: ScriptIdentity): string[] {
  const identity = runAs === undefined ? [] : [`--reuid=${runAs.uid}`, `--regid=${runAs.gid}`, '--init-groups'];
  const bounding = launcher.daemonIsRoot ? ['--bounding-set=-all'] : [];
  return [SETPRIV, ...identity, ...bounding, '--inh-caps=-all', '--ambient-caps=-all', '--', ...argv];
}

export const ownLauncher = (): Launcher => ({ daemonIsRoot: process.getuid?.() === 0 });

/**
 * The capabilities setpriv will lack to start children the way `unprivilegedArgv` asks, read
 * from the daemon's /proc/self/status: empty when it can. `changesUser`: some child has a runAs.
 */
export function missingForChildren(status: string, daemonIsRoot: boolean, changesUser: boolean): CapabilityName[] {
  const wanted: CapabilityName[] = [...(changesUser ? (['CAP_SETUID', 'CAP_SETGID'] as const) : []), ...(daemonIsRoot ? (['CAP_SETPCAP'] as const) : [])];
  // What setpriv starts with after the daemon's exec of it (capabilities(7)).
  return absentFrom(readCapabilitySet(status, daemonIsRoot ? 'CapBnd' : 'CapAmb'), wanted);
}

/** missingForChildren for what `config` runs: checked at start-up and before a reload. */
export function missingForConfig(config: DaemonConfig, status: () => string = ownStatus, launcher = ownLauncher()): CapabilityName[] {
  const children = [...config.instances.flatMap((instance) => [...instance.track.scripts, ...instance.notify]), ...config.syncGroups.flatMap((group) => group.notify)];
  if (children.length === 0) return [];
  return missingForChildren(status(), launcher.daemonIsRoot, children.some((child) => child.runAs !== undefined));
}

/** For the journal: what is missing and how to grant it (under the shipped unit, a drop-in). */
export function childCapabilityMessage(missing: readonly CapabilityName[]): string {
  const start = `health checks and notify hooks cannot be started as configured: the daemon lacks ${missing.join(' and ')}`;
  const forUser = missing.filter((name) => name === 'CAP_SETUID' || name === 'CAP_SETGID');
  if (forUser.length === 0) return `${start} (root without it cannot empty its children's bounding set)`;
  const list = forUser.join(' ');
  return (
    `${start} (scriptUser and a check's or hook's "user" need CAP_SETUID and CAP_SETGID). Under systemd add a drop-in ` +
    `(systemctl edit ipfailoverd) with AmbientCapabilities=${list} and CapabilityBoundingSet=${list}, or remove scriptUser`
  );
}

/**
 * Sets close-on-exec on every open descriptor above 2. A descriptor that closes meanwhile (the
 * one readdir used to list them) is skipped.
 */
export function markDescriptorsCloseOnExec(list: () => readonly string[] = () => readdirSync('/proc/self/fd'), mark: (fd: number) => void = setCloseOnExec): void {
  for (const name of list()) {
    const fd = Number(name);
    if (!(fd > 2)) continue;
    try {
      mark(fd);
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'EBADF') throw error;
    }
  }
}
