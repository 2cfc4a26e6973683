// Reading keepalived's values: numbers, seconds (which may be fractional) and names, each
// either understood or noted as not carried over. keepalived itself refuses most bad values
// (`keepalived -t`), so these notes are for files it was never asked to check.
import type { NoteList } from './import-notes.js';
import type { Statement } from './keepalived-parser.js';

/** The one word after the keyword, or a note and undefined. */
export function word(statement: Statement, notes: NoteList): string | undefined {
  const first = statement.args[0];
  if (first === undefined) {
    notes.add(statement, 'has no value: not carried over');
    return undefined;
  }
  return first.text;
}

/** An integer in [min, max], or a note and undefined. */
export function integer(statement: Statement, notes: NoteList, min: number, max: number): number | undefined {
  const text = word(statement, notes);
  if (text === undefined) return undefined;
  const value = /^-?\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isInteger(value) || value < min || value > max) {
    notes.add(statement, `${text} is not an integer from ${min} to ${max}: not carried over`);
    return undefined;
  }
  return value;
}

/**
 * Seconds (keepalived allows fractions for advert_int and script timings) in milliseconds,
 * rounded to `stepMs`; a value that rounding changed is noted.
 */
export function secondsAsMs(statement: Statement, notes: NoteList, minMs: number, maxMs: number, stepMs = 1): number | undefined {
  const text = word(statement, notes);
  if (text === undefined) return undefined;
  const seconds = /^\d+(\.\d+)?$/.test(text) ? Number(text) : Number.NaN;
  if (Number.isNaN(seconds)) {
    notes.add(statement, `${text} is not a number of seconds: not carried over`);
    return undefined;
  }
  const exact = seconds * 1000;
  const ms = Math.min(maxMs, Math.max(minMs, Math.round(exact / stepMs) * stepMs));
  if (Math.abs(ms - exact) > 1e-6) notes.add(statement, `${text} s is ${ms} ms here (ipfailoverd takes ${minMs}..${maxMs} ms in steps of ${stepMs} ms)`);
  return ms;
}

// Our names (instances, scripts) appear in logs, hook arguments and timer keys (schema.ts NAME).
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/;

/** keepalived's name made into one of ours; a change is noted. */
export function ourName(statement: Statement, given: string, notes: NoteList): string {
  if (NAME.test(given)) return given;
  let name = given.replace(/[^A-Za-z0-9_.-]/g, '_').replace(/^[_.-]+/, '').slice(0, 32);
  if (name === '') name = 'imported';
  notes.add(statement, `name "${given}" is "${name}" here: ipfailoverd's names are 1-32 characters of A-Z a-z 0-9 _ . - starting with a letter or digit`);
  return name;
}
