// Where the shipped unit (systemd/ipfailoverd.service) hides the file system from the daemon and
// from the programs it runs, for check-config's warning about tracked files and commands there.
// Kept next to the unit's settings it mirrors: PrivateTmp=yes gives a private, empty /tmp and
// /var/tmp; ProtectHome=yes makes /home, /root and /run/user inaccessible (systemd.exec(5)).
import { posix } from 'node:path';

export interface HiddenPath {
  /** The unit's setting that hides it, as written in the unit. */
  readonly setting: 'PrivateTmp=yes' | 'ProtectHome=yes';
  readonly directory: string;
}

const HIDDEN: readonly HiddenPath[] = [
  { setting: 'PrivateTmp=yes', directory: '/tmp' },
  { setting: 'PrivateTmp=yes', directory: '/var/tmp' },
  { setting: 'ProtectHome=yes', directory: '/home' },
  { setting: 'ProtectHome=yes', directory: '/root' },
  { setting: 'ProtectHome=yes', directory: '/run/user' },
];

/** The setting that hides an absolute `path` under the unit, or undefined. Pure (no symlinks followed). */
export function hiddenBySandbox(path: string): HiddenPath | undefined {
  if (!path.startsWith('/')) return undefined;
  const normal = posix.normalize(path);
  return HIDDEN.find(({ directory }) => normal === directory || normal.startsWith(`${directory}/`));
}
