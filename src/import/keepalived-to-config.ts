// A parsed keepalived.conf → an ipfailoverd configuration document and the notes on what could
// not be carried over. Pure: the statements come from keepalived-parser.ts, the program lookup
// and whether our schema has sync groups come in as options.
import { NoteList, type ImportNote } from './import-notes.js';
import { readAnnounce, type AnnounceSettings } from './keepalived-announce.js';
import { translateInstance, type ImportedInstance } from './keepalived-instance.js';
import type { Statement } from './keepalived-parser.js';
import { readCommand, readScript, readTrackFile, type CommandResolver, type FileDefinition, type ScriptDefinition } from './keepalived-tracking.js';
import { ourName } from './keepalived-values.js';

export interface ImportOptions {
  readonly resolve: CommandResolver;
  /** Our schema has `syncGroups` (issue 10 adds it): emit vrrp_sync_group as such, else note it. */
  readonly syncGroups: boolean;
}

export interface ImportedDocument {
  instances: ImportedInstance[];
  syncGroups?: ImportedGroup[];
}

interface ImportedGroup {
  name: string;
  instances: string[];
  notify?: Array<{ command: string[] }>;
}

export interface ImportResult {
  readonly document: ImportedDocument;
  readonly notes: readonly ImportNote[];
}

const WHY_NOT_GLOBAL: Readonly<Record<string, string>> = {
  script_user: 'scripts and hooks run as ipfailoverd itself (root, inside the unit\'s sandbox: systemd/ipfailoverd.service)',
  enable_script_security: 'nothing to enable: ipfailoverd runs commands by absolute path without a shell, inside the unit\'s sandbox',
  router_id: 'ipfailoverd has no router id: it names instances only',
  vrrp_strict: 'no strict mode: ipfailoverd follows RFC 9568 and accepts traffic to the virtual addresses',
};

const WHY_NOT_TOP: Readonly<Record<string, string>> = {
  virtual_server: 'LVS is not a part of ipfailoverd',
  virtual_server_group: 'LVS is not a part of ipfailoverd',
  static_ipaddress: 'ipfailoverd adds only the virtual addresses of its instances',
  static_routes: 'ipfailoverd adds addresses, not routes',
  static_rules: 'ipfailoverd adds addresses, not policy rules',
};

export function translateKeepalived(statements: readonly Statement[], options: ImportOptions): ImportResult {
  const notes = new NoteList();
  const scripts = new Map<string, ScriptDefinition>();
  const files = new Map<string, FileDefinition>();
  const announce: AnnounceSettings = {};
  let version: 2 | 3 = 2;
  // Definitions first: keepalived lets an instance name a vrrp_script defined further down.
  for (const statement of statements) {
    const keyword = statement.keyword.text;
    const name = statement.args[0]?.text ?? '';
    if (keyword === 'vrrp_script') scripts.set(name, readScript(statement, notes, options.resolve));
    else if (keyword === 'vrrp_track_file') files.set(name, readTrackFile(statement, notes));
    else if (keyword === 'global_defs') version = readGlobals(statement, announce, notes) ?? version;
  }
  const syncMembers = new Set(
    statements
      .filter((s) => s.keyword.text === 'vrrp_sync_group' && !(s.block ?? []).some((item) => item.keyword.text === 'sync_group_tracking_weight'))
      .flatMap(groupMembers),
  );
  const instances: ImportedInstance[] = [];
  const groups: ImportedGroup[] = [];
  // keepalived's instance name → ours, for the sync groups.
  const names = new Map<string, string>();
  for (const statement of statements) {
    switch (statement.keyword.text) {
      case 'vrrp_script':
      case 'vrrp_track_file':
      case 'global_defs':
        break;
      case 'vrrp_instance': {
        const instance = translateInstance(statement, { notes, scripts, files, version, announce, syncMembers, resolve: options.resolve });
        if (instance !== undefined) {
          instances.push(instance);
          names.set(statement.args[0]?.text ?? '', instance.name);
        }
        break;
      }
      case 'vrrp_sync_group':
        break; // below, once every instance's name is known
      default:
        notes.add(statement, `not carried over: ${WHY_NOT_TOP[statement.keyword.text] ?? 'ipfailoverd has no equivalent'}`);
    }
  }
  for (const statement of statements.filter((s) => s.keyword.text === 'vrrp_sync_group')) {
    const group = syncGroup(statement, names, options, notes);
    if (group !== undefined) groups.push(group);
  }
  const document: ImportedDocument = { instances, ...(groups.length > 0 ? { syncGroups: groups } : {}) };
  return { document, notes: notes.notes };
}

/** global_defs: the VRRP version and the announcement defaults; returns vrrp_version if set. */
function readGlobals(statement: Statement, announce: AnnounceSettings, notes: NoteList): 2 | 3 | undefined {
  let version: 2 | 3 | undefined;
  for (const item of statement.block ?? []) {
    const keyword = item.keyword.text;
    if (keyword === 'vrrp_version') version = item.args[0]?.text === '3' ? 3 : 2;
    else if (keyword.startsWith('vrrp_') && readAnnounce(keyword.slice('vrrp_'.length), item, announce, notes)) continue;
    else notes.add(item, `not carried over: ${WHY_NOT_GLOBAL[keyword] ?? 'ipfailoverd has no equivalent'}`);
  }
  return version;
}

/**
 * A vrrp_sync_group. Its `notify` is carried over as is: ipfailoverd calls a sync group's hooks
 * with keepalived's arguments, `GROUP NAME STATE`.
 */
function syncGroup(statement: Statement, names: ReadonlyMap<string, string>, options: ImportOptions, notes: NoteList): ImportedGroup | undefined {
  const members = groupMembers(statement);
  const given = statement.args[0]?.text ?? '';
  if (!options.syncGroups) {
    notes.add(statement, `${given} (${members.join(', ')}) not carried over: ipfailoverd has no sync groups yet, so these instances fail over independently`);
    return undefined;
  }
  const notify: Array<{ command: string[] }> = [];
  for (const item of statement.block ?? []) {
    const keyword = item.keyword.text;
    if (keyword === 'sync_group_tracking_weight' || keyword === 'group') continue; // read elsewhere
    if (keyword === 'notify') {
      const command = readCommand(item, notes, options.resolve, 'notify');
      if (command !== undefined) notify.push({ command });
    } else if (keyword.startsWith('notify_')) {
      notes.add(item, `not carried over: ipfailoverd has no per-state hooks for sync groups; its notify commands run on every change of the group as \`PROGRAM GROUP NAME STATE\`, so a wrapper acting on STATE ${keyword.slice('notify_'.length).toUpperCase()} does the same`);
    } else {
      notes.add(item, "not carried over: ipfailoverd's sync groups have no such setting");
    }
  }
  const instances = members.flatMap((member) => {
    const ours = names.get(member);
    if (ours === undefined) notes.add(statement, `${member} is not an instance that was carried over: left out of ${given}`);
    return ours === undefined ? [] : [ours];
  });
  return { name: ourName(statement, given, notes), instances, ...(notify.length > 0 ? { notify } : {}) };
}

/** The keepalived instance names in a vrrp_sync_group's `group { }`. */
function groupMembers(statement: Statement): string[] {
  return (statement.block ?? []).filter((item) => item.keyword.text === 'group').flatMap((item) => (item.block ?? []).map((entry) => entry.keyword.text));
}
