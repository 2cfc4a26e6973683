// keepalived's health checks → ours: vrrp_script (referenced by track_script), vrrp_track_file
// (by track_file) and track_interface. The weights mean the same in both (health-state.ts):
// 0 = Fault while failed; > 0 added while healthy; < 0 added while failed.
import type { TrackFileConfig, TrackInterfaceConfig, TrackScriptConfig } from '../config/types.js';
import type { NoteList } from './import-notes.js';
import { splitCommand } from './keepalived-lexer.js';
import type { Statement } from './keepalived-parser.js';
import { integer, ourName, secondsAsMs, word } from './keepalived-values.js';

/** Finds a program the way keepalived does for a script named without a path; undefined: none. */
export type CommandResolver = (program: string) => string | undefined;

export interface ScriptDefinition {
  readonly statement: Statement;
  /** undefined: the script could not be carried over (noted where it was defined). */
  readonly script: TrackScriptConfig | undefined;
}

export interface FileDefinition {
  readonly statement: Statement;
  readonly file: TrackFileConfig | undefined;
}

// keepalived's defaults (vrrp_data.c alloc_vrrp_script): interval 1 s, weight 0, rise 1, fall 1;
// its timeout 0 lets a run last the whole interval, which is our limit too.
const KEEPALIVED_INTERVAL_MS = 1000;
const WEIGHT_MIN = -254;
const WEIGHT_MAX = 254;

/** `vrrp_script NAME { script ...; interval ...; ... }`. */
export function readScript(statement: Statement, notes: NoteList, resolve: CommandResolver): ScriptDefinition {
  const name = ourName(statement, statement.args[0]?.text ?? '', notes);
  let command: string[] | undefined;
  let intervalMs = KEEPALIVED_INTERVAL_MS;
  let timeoutMs: number | undefined;
  let rise = 1;
  let fall = 1;
  let weight = 0;
  // keepalived starts a script as passing unless it says init_fail (README "Health tracking").
  let initiallyHealthy = true;
  let scriptLine: Statement | undefined;
  for (const item of statement.block ?? []) {
    switch (item.keyword.text) {
      case 'script':
        scriptLine = item;
        command = readCommand(item, notes, resolve, 'track script');
        break;
      case 'interval':
        intervalMs = secondsAsMs(item, notes, 100, 3_600_000) ?? intervalMs;
        break;
      case 'timeout':
        timeoutMs = secondsAsMs(item, notes, 10, 600_000) ?? timeoutMs;
        break;
      case 'rise':
        rise = integer(item, notes, 1, 100) ?? rise;
        break;
      case 'fall':
        fall = integer(item, notes, 1, 100) ?? fall;
        break;
      case 'weight':
        weight = readWeight(item, notes) ?? weight;
        break;
      case 'init_fail':
        initiallyHealthy = false;
        break;
      case 'user':
        notes.add(item, 'not carried over: scripts run as ipfailoverd itself (root, inside the unit\'s sandbox)');
        break;
      default:
        notes.add(item, 'not carried over: ipfailoverd\'s track scripts have no such setting');
    }
  }
  if (scriptLine === undefined) notes.add(statement, `${name}: has no script: not carried over`);
  if (timeoutMs !== undefined && timeoutMs > intervalMs) {
    notes.add(statement, `${name}: timeout ${timeoutMs} ms is longer than interval ${intervalMs} ms: ipfailoverd ends a run before the next is due, so timeoutMs is ${intervalMs}`);
  }
  const timeout = Math.min(timeoutMs ?? intervalMs, intervalMs);
  const script = command === undefined ? undefined
    : { name, command, intervalMs, timeoutMs: timeout, rise, fall, weight, initiallyHealthy };
  return { statement, script };
}

/**
 * A script string as argv. keepalived splits it itself (no shell) and searches $PATH for a
 * program without a slash; ipfailoverd wants the absolute path, so it is looked up here.
 * Words after the quoted string are keepalived's user and group for the script.
 */
export function readCommand(item: Statement, notes: NoteList, resolve: CommandResolver, what: string): string[] | undefined {
  const text = item.args[0]?.text;
  const argv = text === undefined ? undefined : splitCommand(text);
  if (argv === undefined || argv.length === 0) {
    notes.add(item, `${what} "${text ?? ''}" cannot be split into a command: not carried over`);
    return undefined;
  }
  if (item.args.length > 1) {
    notes.add(item, `${item.args.slice(1).map((a) => a.text).join(' ')} not carried over: keepalived takes the command from the first word or quoted string only; quote the whole command`);
  }
  const program = argv[0] as string;
  if (program.startsWith('/')) return argv;
  const found = program.includes('/') ? undefined : resolve(program);
  if (found === undefined) {
    notes.add(item, `"${program}" is not an absolute path and was not found in keepalived's PATH: not carried over (ipfailoverd runs commands without a $PATH search)`);
    return undefined;
  }
  notes.add(item, `"${program}" is ${found} here: ipfailoverd runs commands by absolute path`);
  return [found, ...argv.slice(1)];
}

/** `weight N [reverse]`, in keepalived's range. */
function readWeight(item: Statement, notes: NoteList): number | undefined {
  const weight = integer(item, notes, WEIGHT_MIN, WEIGHT_MAX);
  if (item.args[1]?.text === 'reverse') notes.add(item, '"reverse" not carried over: ipfailoverd\'s weights have no reverse form');
  return weight;
}

/** `vrrp_track_file NAME { file PATH; weight N; init_file ... }`. */
export function readTrackFile(statement: Statement, notes: NoteList): FileDefinition {
  let path: string | undefined;
  let weight = 1; // keepalived's default, and ours
  for (const item of statement.block ?? []) {
    if (item.keyword.text === 'file') path = word(item, notes);
    else if (item.keyword.text === 'weight') weight = readWeight(item, notes) ?? weight;
    else if (item.keyword.text === 'init_file') notes.add(item, 'not carried over: ipfailoverd reads the file as it is and never writes it');
    else notes.add(item, 'not carried over: ipfailoverd\'s track files have no such setting');
  }
  if (path === undefined || !path.startsWith('/')) {
    notes.add(statement, `${statement.args[0]?.text ?? ''}: needs an absolute file: not carried over`);
    return { statement, file: undefined };
  }
  return { statement, file: { path, weight } };
}

/** The entries of a track_script / track_file / track_interface block: NAME [weight N [reverse]]. */
export function trackEntries(block: Statement, notes: NoteList): Array<{ entry: Statement; name: string; weight: number | undefined }> {
  return (block.block ?? []).map((entry) => {
    let weight: number | undefined;
    if (entry.args[0]?.text === 'weight') {
      const value = entry.args[1]?.text ?? '';
      weight = /^-?\d+$/.test(value) && Math.abs(Number(value)) <= WEIGHT_MAX ? Number(value) : undefined;
      if (weight === undefined) notes.add(entry, `weight ${value} is not an integer from ${WEIGHT_MIN} to ${WEIGHT_MAX}: not carried over`);
      if (entry.args[2]?.text === 'reverse') notes.add(entry, '"reverse" not carried over: ipfailoverd\'s weights have no reverse form');
    } else if (entry.args.length > 0) notes.add(entry, `${entry.args.map((a) => a.text).join(' ')}: not carried over`);
    return { entry, name: entry.keyword.text, weight };
  });
}

export function trackInterfaces(block: Statement, notes: NoteList): TrackInterfaceConfig[] {
  return trackEntries(block, notes).map(({ name, weight }) => ({ name, weight: weight ?? 0 }));
}
