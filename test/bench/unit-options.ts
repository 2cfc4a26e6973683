/**
 * The node options, environment and nice level the shipped unit gives the daemon, read from
 * systemd/ipfailoverd.service ("measure what ships"): Environment=NODE_OPTIONS=..., the other
 * Environment= variables (MALLOC_ARENA_MAX=, say, which changes RSS) and Nice=.
 * Only what the memory and flood benchmarks need; a value given on the command line replaces
 * the unit's, to measure a proposed change before it is made.
 */

import { readFileSync } from 'node:fs';
import { parseUnitLaunch, UNIT_FILE } from './unit-launch.js';

export { UNIT_FILE };

export interface UnitLaunch {
  /** NODE_OPTIONS as the unit sets it ('' when it sets none). */
  readonly nodeOptions: string;
  /** The unit's other Environment= variables. */
  readonly env: Readonly<Record<string, string>>;
  /** Nice= (0 when unset). */
  readonly nice: number;
}

/** The unit as unit-launch.ts reads it, in the values the memory and flood benchmarks vary. */
export function readUnitLaunch(text = readFileSync(UNIT_FILE, 'utf8')): UnitLaunch {
  const launch = parseUnitLaunch(text);
  const nice = launch.prefix.indexOf('nice');
  const { NODE_OPTIONS: nodeOptions = '', ...env } = launch.env;
  return { nodeOptions: nodeOptions.trim(), env, nice: nice < 0 ? 0 : Number(launch.prefix[nice + 2]) };
}

/** The nodeOptions with one flag left out (to measure the unit without --jitless, say). */
export function without(nodeOptions: string, flag: string): string {
  return nodeOptions.split(/\s+/).filter((option) => option !== '' && option !== flag).join(' ');
}
