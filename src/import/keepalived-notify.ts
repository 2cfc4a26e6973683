// keepalived's notify scripts → our notify hooks, called as keepalived calls them so that the
// scripts work unchanged (src/runtime/notify-hooks.ts). keepalived.conf(5): `notify` is run with
// "GROUP"|"INSTANCE", the name, the target state (MASTER|BACKUP|FAULT|STOP) and the priority
// appended (form keepalived); notify_master, notify_backup, notify_fault and notify_stop with
// nothing appended (form none, on that state); and "notify script is called AFTER the notify_*
// script(s)", which is the order the hooks are listed in.
import type { NotifyOn } from '../config/types.js';
import type { NoteList } from './import-notes.js';
import type { Statement } from './keepalived-parser.js';
import { readCommand, type CommandResolver } from './keepalived-tracking.js';

export interface ImportedNotifyHook {
  command: string[];
  form: 'keepalived' | 'none';
  on?: NotifyOn[];
  user?: string;
}

const PER_STATE: Readonly<Record<string, NotifyOn>> = {
  notify_master: 'MASTER',
  notify_backup: 'BACKUP',
  notify_fault: 'FAULT',
  notify_stop: 'STOP',
};

/** Whether `keyword` is one of the notify lines carried over. */
export function isNotify(keyword: string): boolean {
  return keyword === 'notify' || keyword in PER_STATE;
}

/**
 * `notify[_STATE] COMMAND [username [groupname]]` as a hook; undefined (noted) when the command
 * cannot be carried over. The user is carried over; the group is the user's own here.
 */
export function readNotify(item: Statement, notes: NoteList, resolve: CommandResolver): ImportedNotifyHook | undefined {
  const [commandArg, userArg, groupArg] = item.args;
  const command = readCommand({ ...item, args: commandArg === undefined ? [] : [commandArg] }, notes, resolve, 'notify command');
  if (command === undefined) return undefined;
  if (groupArg !== undefined) {
    notes.add(item, `group ${groupArg.text} not carried over: a hook runs with its user's primary and supplementary groups`);
  }
  const state = PER_STATE[item.keyword.text];
  return {
    command,
    form: state === undefined ? 'keepalived' : 'none',
    ...(state === undefined ? {} : { on: [state] }),
    ...(userArg === undefined ? {} : { user: userArg.text }),
  };
}

/** The hooks in the order keepalived runs them: the per-state ones, then `notify`. */
export function keepalivedOrder(hooks: readonly ImportedNotifyHook[]): ImportedNotifyHook[] {
  return [...hooks.filter((h) => h.on !== undefined), ...hooks.filter((h) => h.on === undefined)];
}
