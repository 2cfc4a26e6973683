// One keepalived vrrp_instance → one of our instances (or nothing, noted, when it lacks what an
// instance needs). Pure: the definitions it refers to (vrrp_script, vrrp_track_file) and the
// global settings come in through ImportContext.
import type { IpFamily, TrackFileConfig, TrackInterfaceConfig, TrackScriptConfig } from '../config/types.js';
import type { NoteList } from './import-notes.js';
import { address, peers, virtualIps } from './keepalived-addresses.js';
import { readAnnounce, type AnnounceSettings } from './keepalived-announce.js';
import { isNotify, keepalivedOrder, readNotify, type ImportedNotifyHook } from './keepalived-notify.js';
import type { Statement } from './keepalived-parser.js';
import { trackEntries, trackInterfaces, type CommandResolver, type FileDefinition, type ScriptDefinition } from './keepalived-tracking.js';
import { integer, ourName, secondsAsMs, word } from './keepalived-values.js';

export interface ImportContext {
  readonly notes: NoteList;
  readonly scripts: ReadonlyMap<string, ScriptDefinition>;
  readonly files: ReadonlyMap<string, FileDefinition>;
  /** global_defs' vrrp_version; keepalived's default is 2. */
  readonly version: 2 | 3;
  readonly announce: AnnounceSettings;
  /**
   * keepalived instance names in a vrrp_sync_group without sync_group_tracking_weight: keepalived
   * sets their tracked interfaces' weights to 0 and stops tracking their weighted scripts and files.
   */
  readonly syncMembers: ReadonlySet<string>;
  /** Finds a notify command named without a path, as keepalived does. */
  readonly resolve: CommandResolver;
}

/** The JSON we print for an instance: only what the keepalived file said, in the schema's names. */
export interface ImportedInstance {
  name: string;
  interface: string;
  vrid: number;
  priority?: number;
  advertIntervalMs?: number;
  virtualAddresses: string[];
  unicastPeers?: string[];
  sourceAddress?: string;
  preempt?: boolean;
  preemptDelayMs?: number;
  groupMaster?: boolean;
  announce?: AnnounceSettings;
  track?: { interfaces?: TrackInterfaceConfig[]; scripts?: TrackScriptConfig[]; files?: TrackFileConfig[] };
  notify?: ImportedNotifyHook[];
}

const VERSION_2 =
  'keepalived speaks VRRPv2 here, ipfailoverd VRRPv3 only (RFC 9568): set `version 3` in this vrrp_instance ' +
  '(or `vrrp_version 3` in global_defs) on the keepalived members before ipfailoverd joins the group';

/** Keywords with nothing to say beyond "ipfailoverd has no equivalent", and why where it helps. */
const WHY_NOT: Readonly<Record<string, string>> = {
  authentication: 'VRRPv3 has no authentication (RFC 9568 removed it): remove it on the keepalived side too',
  use_vmac: 'ipfailoverd never uses a virtual MAC: a cloud IP failover group announces the address from the NIC\'s own MAC',
  vmac_xmit_base: 'ipfailoverd never uses a virtual MAC',
  no_accept: 'ipfailoverd\'s master always accepts traffic to the virtual addresses (Accept_Mode true)',
  strict_mode: 'no strict mode: ipfailoverd follows RFC 9568 and accepts traffic to the virtual addresses',
  virtual_ipaddress_excluded: 'ipfailoverd advertises every address it adds; list these in an instance of their own or add them outside ipfailoverd',
  virtual_routes: 'ipfailoverd adds addresses, not routes',
  virtual_rules: 'ipfailoverd adds addresses, not policy rules',
  track_process: 'ipfailoverd tracks scripts, files and interfaces; a track script can check the process',
  track_bfd: 'ipfailoverd has no BFD',
  dont_track_primary: 'ipfailoverd always tracks the instance\'s own interface',
};

export function translateInstance(statement: Statement, context: ImportContext): ImportedInstance | undefined {
  const { notes } = context;
  const name = ourName(statement, statement.args[0]?.text ?? '', notes);
  const fields: Partial<ImportedInstance> = {};
  const announce: AnnounceSettings = { ...context.announce };
  const interfaces: TrackInterfaceConfig[] = [];
  const scripts: TrackScriptConfig[] = [];
  const files: TrackFileConfig[] = [];
  const hooks: ImportedNotifyHook[] = [];
  let addresses: Statement | undefined;
  let version: Statement | undefined;
  let nativeIpv6 = false;
  const synced = context.syncMembers.has(statement.args[0]?.text ?? '');
  for (const item of statement.block ?? []) {
    const keyword = item.keyword.text;
    switch (keyword) {
      case 'interface':
        fields.interface = word(item, notes);
        break;
      case 'virtual_router_id':
        fields.vrid = integer(item, notes, 1, 255);
        break;
      case 'priority':
        fields.priority = integer(item, notes, 1, 255);
        break;
      case 'advert_int':
        // Our interval travels as 12 bits of centiseconds, as keepalived's does in VRRPv3.
        fields.advertIntervalMs = secondsAsMs(item, notes, 10, 40_950, 10);
        break;
      case 'virtual_ipaddress':
        addresses = item;
        break;
      case 'unicast_src_ip':
      case 'mcast_src_ip':
        fields.sourceAddress = address(item, notes);
        break;
      case 'unicast_peer':
        fields.unicastPeers = peers(item, notes);
        break;
      case 'nopreempt':
        fields.preempt = false;
        break;
      case 'preempt_delay':
        fields.preemptDelayMs = secondsAsMs(item, notes, 0, 3_600_000);
        break;
      case 'version':
        version = item;
        break;
      case 'native_ipv6':
        nativeIpv6 = true;
        break;
      case 'state':
        state(item, fields, notes);
        break;
      case 'accept':
        break; // ours always accepts
      case 'track_interface':
        interfaces.push(...asInSyncGroup(synced, item, trackInterfaces(item, notes), notes));
        break;
      case 'track_script':
        scripts.push(...asInSyncGroup(synced, item, referenced(item, context.scripts, notes, (def, weight) => def.script && { ...def.script, weight: weight ?? def.script.weight }), notes));
        break;
      case 'track_file':
        files.push(...asInSyncGroup(synced, item, referenced(item, context.files, notes, (def, weight) => def.file && { ...def.file, weight: weight ?? def.file.weight }), notes));
        break;
      case 'notify_deleted':
        notes.add(item, 'not carried over: ipfailoverd runs no hook when a reload deletes an instance (it stops it: hooks on STOP run)');
        break;
      case 'notify_master_rx_lower_pri':
        notes.add(item, 'not carried over: ipfailoverd has no hook for a master hearing a lower priority');
        break;
      default:
        if (isNotify(keyword)) {
          const hook = readNotify(item, notes, context.resolve);
          if (hook !== undefined) hooks.push(hook);
          break;
        }
        if (readAnnounce(keyword, item, announce, notes)) break;
        notes.add(item, `not carried over: ${WHY_NOT[keyword] ?? 'ipfailoverd has no equivalent'}`);
    }
  }
  const { list: virtualAddresses, family } = addresses === undefined
    ? { list: [], family: undefined }
    : virtualIps(addresses, fields.interface, nativeIpv6, notes);
  const missing = [
    fields.interface === undefined ? 'interface' : undefined,
    fields.vrid === undefined ? 'virtual_router_id' : undefined,
    virtualAddresses.length === 0 ? 'virtual_ipaddress' : undefined,
  ].filter((what) => what !== undefined);
  if (missing.length > 0) {
    notes.add(statement, `${name}: not carried over: no usable ${missing.join(', ')}`);
    return undefined;
  }
  checkVersion(statement, version, family ?? 4, context, notes);
  masterPreempts(statement, fields, notes);
  const track = {
    ...(interfaces.length > 0 ? { interfaces } : {}),
    ...(scripts.length > 0 ? { scripts } : {}),
    ...(files.length > 0 ? { files } : {}),
  };
  return {
    name,
    interface: fields.interface as string,
    vrid: fields.vrid as number,
    ...defined('priority', fields.priority),
    ...defined('advertIntervalMs', fields.advertIntervalMs),
    virtualAddresses,
    ...defined('unicastPeers', fields.unicastPeers),
    ...defined('sourceAddress', fields.sourceAddress),
    ...defined('preempt', fields.preempt),
    ...defined('preemptDelayMs', fields.preemptDelayMs),
    ...defined('groupMaster', fields.groupMaster),
    ...(Object.keys(announce).length > 0 ? { announce } : {}),
    ...(Object.keys(track).length > 0 ? { track } : {}),
    ...(hooks.length > 0 ? { notify: keepalivedOrder(hooks) } : {}),
  };
}

function defined<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/**
 * keepalived's `state MASTER` is the state an instance starts in, and the nearest thing it has to
 * a configured master: it is mapped to groupMaster, which is what ipfailoverd means by that.
 */
function state(item: Statement, fields: Partial<ImportedInstance>, notes: NoteList): void {
  const value = item.args[0]?.text;
  if (value === 'MASTER') {
    fields.groupMaster = true;
    notes.add(item, 'MASTER is keepalived\'s initial state, which ipfailoverd does not have (every instance starts as Backup and elects): mapped to groupMaster: true, this VM being the group\'s configured master; set it on one member only');
  } else if (value !== 'BACKUP') notes.add(item, `${value ?? ''}: not carried over (MASTER or BACKUP)`);
}

/** keepalived clears nopreempt and preempt_delay on an instance that starts as MASTER ("will not work with initial state MASTER"). */
function masterPreempts(instance: Statement, fields: Partial<ImportedInstance>, notes: NoteList): void {
  if (fields.groupMaster !== true) return;
  for (const keyword of ['nopreempt', 'preempt_delay'] as const) {
    const item = instance.block?.find((s) => s.keyword.text === keyword);
    if (item !== undefined) notes.add(item, 'not carried over: keepalived ignores it with state MASTER, and so does the import');
  }
  delete fields.preempt;
  delete fields.preemptDelayMs;
}

function checkVersion(instance: Statement, version: Statement | undefined, family: IpFamily, context: ImportContext, notes: NoteList): void {
  if (family === 6) return; // keepalived speaks VRRPv3 for IPv6 whatever it is told
  const said = version?.args[0]?.text;
  const effective = said === undefined ? context.version : said === '3' ? 3 : 2;
  if (effective === 3) return;
  if (version !== undefined) notes.add(version, VERSION_2);
  else notes.addAt(instance.keyword, 'version', `not set, so keepalived's default (2) applies: ${VERSION_2}`);
}

/**
 * What keepalived makes of a sync group member's trackers (vrrp_sync.c): an interface's weight
 * becomes 0 (down = Fault), a weighted script or file is not tracked at all. The import does the
 * same, so the instance behaves as it did under keepalived.
 */
function asInSyncGroup<T extends { weight: number }>(synced: boolean, block: Statement, trackers: T[], notes: NoteList): T[] {
  if (!synced || trackers.every((tracker) => tracker.weight === 0)) return trackers;
  const named = (tracker: T): string => ('name' in tracker ? String(tracker.name) : 'path' in tracker ? String(tracker.path) : '');
  const weighted = trackers.filter((tracker) => tracker.weight !== 0).map(named).join(', ');
  if (block.keyword.text === 'track_interface') {
    notes.add(block, `weights of ${weighted} not carried over: keepalived ignores them in a sync group (without sync_group_tracking_weight), so they are 0 here too (down = Fault)`);
    return trackers.map((tracker) => ({ ...tracker, weight: 0 }));
  }
  notes.add(block, `${weighted} not carried over: keepalived does not track weighted ${block.keyword.text === 'track_script' ? 'scripts' : 'files'} of a sync group member (without sync_group_tracking_weight)`);
  return trackers.filter((tracker) => tracker.weight === 0);
}

/** track_script / track_file entries resolved against their definitions, with the entry's weight. */
function referenced<D, T>(
  block: Statement,
  definitions: ReadonlyMap<string, D>,
  notes: NoteList,
  make: (definition: D, weight: number | undefined) => T | undefined,
): T[] {
  const out: T[] = [];
  for (const { entry, name, weight } of trackEntries(block, notes)) {
    const definition = definitions.get(name);
    if (definition === undefined) {
      notes.add(entry, `${name} is not defined (no ${block.keyword.text === 'track_script' ? 'vrrp_script' : 'vrrp_track_file'} ${name}): not carried over`);
      continue;
    }
    const made = make(definition, weight);
    if (made !== undefined) out.push(made);
    else notes.add(entry, `${name} could not be carried over (see its definition): not tracked`);
  }
  return out;
}
