/** The soak's command line → options. Pure, so that a bad argument is a message, not a crash. */

import { parseArgs } from 'node:util';
import { FAULT_KINDS, type FaultKind } from './model.js';

export interface SoakOptions {
  readonly minutes: number;
  readonly seed: number;
  readonly rogue: boolean;
  /** Write the verdict as JSON here too (the CI test reads it). */
  readonly json: string | undefined;
  /** Only these kinds of fault (to prove one fix at a time); default all. */
  readonly kinds: readonly FaultKind[];
  /** The daemons' log level: debug shows every advertisement decision around a violation. */
  readonly logLevel: LogLevel;
}

const LOG_LEVELS = ['info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const USAGE = 'usage: npm run chaos -- --minutes N [--seed S] [--rogue] [--json FILE] [--kinds KIND,...] [--log-level info|debug]';

export function parseSoakArgs(argv: readonly string[], defaultSeed: number): SoakOptions | string {
  let values;
  try {
    ({ values } = parseArgs({ args: [...argv], strict: true, options: { minutes: { type: 'string' }, seed: { type: 'string' }, rogue: { type: 'boolean' }, json: { type: 'string' }, kinds: { type: 'string' }, 'log-level': { type: 'string' } } }));
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  const minutes = Number(values.minutes ?? '3');
  if (!Number.isFinite(minutes) || minutes <= 0) return `--minutes must be a positive number, not ${String(values.minutes)}`;
  const seed = values.seed === undefined ? defaultSeed : Number(values.seed);
  if (!Number.isSafeInteger(seed) || seed < 0) return `--seed must be a non-negative integer, not ${String(values.seed)}`;
  const kinds = values.kinds === undefined ? [...FAULT_KINDS] : values.kinds.split(',').filter(Boolean);
  const unknown = kinds.filter((k) => !(FAULT_KINDS as readonly string[]).includes(k));
  if (unknown.length > 0 || kinds.length === 0) return `--kinds takes a comma-separated list of ${FAULT_KINDS.join(', ')}; not ${unknown.join(',') || 'nothing'}`;
  const logLevel = values['log-level'] ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) return `--log-level takes ${LOG_LEVELS.join(' or ')}, not ${logLevel}`;
  return { minutes, seed, rogue: values.rogue === true, json: values.json, kinds: kinds as FaultKind[], logLevel: logLevel as LogLevel };
}
