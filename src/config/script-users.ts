// The loader's last stage: the users that health checks and notify hooks run as (scriptUser,
// or a check's or hook's own "user") must exist on this machine, so that a typo is a
// configuration error naming the field (exit 78) instead of every check failing at run time.
// Each check and hook gets the identity it runs as (runAs), looked up once here: the child's
// setpriv then needs no name service, and a reload looks again.
import { jsonPointer, type ConfigIssue } from './issues.js';
import { entryNamed } from './system-db.js';
import type { DaemonConfig, ScriptIdentity } from './types.js';

/** A user's ids, or undefined when there is no such user. */
export type LookupUser = (name: string) => ScriptIdentity | undefined;

/**
 * A local user from /etc/passwd (Node has no getpwnam). Users only a directory service knows are
 * not found: the users that daemons' scripts run as are system users, local by nature.
 */
export function localUser(name: string, passwdFile = '/etc/passwd'): ScriptIdentity | undefined {
  const fields = entryNamed(passwdFile, name);
  const uid = Number(fields?.[2]);
  const gid = Number(fields?.[3]);
  return fields !== undefined && Number.isInteger(uid) && Number.isInteger(gid) ? { user: name, uid, gid } : undefined;
}

export function resolveScriptUsers(config: DaemonConfig, lookup: LookupUser): { config: DaemonConfig; errors: ConfigIssue[] } {
  const errors: ConfigIssue[] = [];
  const found = new Map<string, ScriptIdentity | undefined>();
  const reported = new Set<string>();
  const resolve = (own: string | undefined, path: () => string): ScriptIdentity | undefined => {
    const name = own ?? config.scriptUser;
    if (name === undefined) return undefined;
    if (!found.has(name)) found.set(name, lookup(name));
    const identity = found.get(name);
    const where = own === undefined ? jsonPointer('scriptUser') : path();
    if (identity === undefined && !reported.has(where)) {
      reported.add(where);
      errors.push({ path: where, code: 'unknown-user', message: `there is no user "${name}" on this machine (/etc/passwd)` });
    }
    return identity;
  };
  // Checked even when every check and hook names its own user: a typo stays a typo.
  if (config.scriptUser !== undefined) resolve(undefined, () => '');
  const instances = config.instances.map((instance, i) => ({
    ...instance,
    track: {
      ...instance.track,
      scripts: instance.track.scripts.map((script, j) => withRunAs(script, resolve(script.user, () => jsonPointer('instances', i, 'track', 'scripts', j, 'user')))),
    },
    notify: instance.notify.map((hook, j) => withRunAs(hook, resolve(hook.user, () => jsonPointer('instances', i, 'notify', j, 'user')))),
  }));
  const syncGroups = config.syncGroups.map((group, g) => ({
    ...group,
    notify: group.notify.map((hook, j) => withRunAs(hook, resolve(hook.user, () => jsonPointer('syncGroups', g, 'notify', j, 'user')))),
  }));
  return { config: { ...config, instances, syncGroups }, errors };
}

function withRunAs<T extends object>(item: T, runAs: ScriptIdentity | undefined): T {
  return runAs === undefined ? item : { ...item, runAs };
}
