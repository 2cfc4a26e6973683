// Cross-field rules of syncGroups (keepalived's vrrp_sync_group): a group names instances that
// exist, each instance is in one group at most (it could not follow two), and a group of one
// synchronises nothing (keepalived drops such a group with a warning; here it is an error, so
// that a typo in a member's name is not silently a group of one).
import { jsonPointer } from './issues.js';
import type { CrossCheck, Finding } from './cross-checks.js';
import type { DaemonConfig } from './types.js';

const at = (group: number, ...rest: ReadonlyArray<string | number>): string => jsonPointer('syncGroups', group, ...rest);

function members(config: DaemonConfig): Array<{ name: string; group: number; index: number }> {
  return config.syncGroups.flatMap((group, g) => group.instances.map((name, index) => ({ name, group: g, index })));
}

function duplicateNames(config: DaemonConfig): Finding[] {
  const seen = new Map<string, number>();
  return config.syncGroups.flatMap((group, g) => {
    const first = seen.get(group.name);
    if (first === undefined) seen.set(group.name, g);
    return first === undefined ? [] : [{ path: at(g, 'name'), message: `sync group name "${group.name}" is already used by ${at(first)}` }];
  });
}

function unknownInstances(config: DaemonConfig): Finding[] {
  const names = new Set(config.instances.map((i) => i.name));
  return members(config)
    .filter((m) => !names.has(m.name))
    .map((m) => ({ path: at(m.group, 'instances', m.index), message: `there is no instance "${m.name}"` }));
}

function sharedInstances(config: DaemonConfig): Finding[] {
  const seen = new Map<string, { group: number; index: number }>();
  return members(config).flatMap((m) => {
    const first = seen.get(m.name);
    if (first === undefined) seen.set(m.name, m);
    return first === undefined
      ? []
      : [{ path: at(m.group, 'instances', m.index), message: `instance "${m.name}" is already in ${at(first.group, 'instances', first.index)}: an instance follows one sync group at most` }];
  });
}

function tooSmall(config: DaemonConfig): Finding[] {
  return config.syncGroups.flatMap((group, g) =>
    new Set(group.instances).size >= 2 ? [] : [{ path: at(g, 'instances'), message: 'a sync group needs at least 2 distinct instances' }],
  );
}

export const SYNC_GROUP_CHECKS: readonly CrossCheck[] = [
  { code: 'duplicate-sync-group', severity: 'error', find: duplicateNames },
  { code: 'sync-group-unknown-instance', severity: 'error', find: unknownInstances },
  { code: 'sync-group-shared-instance', severity: 'error', find: sharedInstances },
  { code: 'sync-group-too-small', severity: 'error', find: tooSmall },
];
