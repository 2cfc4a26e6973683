/**
 * What a reload does to each instance, decided from the old and new configuration alone:
 *   unchanged  → untouched: state, mastership and timers stay, nothing is announced again;
 *   update     → changed in place (priority, timers, preemption, announcements, tracking, hooks,
 *                the peers list (from the next advertisement on), and, as keepalived does, the
 *                virtual addresses, unicast peers and source: a master adds the new addresses
 *                and removes the old ones without a release);
 *   restart    → stopped (a master releases with priority 0) and started again: its identity on
 *                the wire changed (interface, VRID, family, owner status);
 *   remove / add.
 * Instances are matched by name.
 */

import type { InstanceConfig } from '../config/types.js';
import { OWNER_PRIORITY } from '../protocol/receive-checks.js';

export type InstanceAction = 'unchanged' | 'update' | 'restart';

export interface ReloadPlan {
  readonly unchanged: readonly string[];
  readonly update: readonly string[];
  readonly restart: readonly string[];
  readonly remove: readonly string[];
  readonly add: readonly string[];
}

/** Fields that define what the instance is on the wire: changing one means a new instance. */
const IDENTITY: ReadonlyArray<keyof InstanceConfig> = ['interface', 'vrid', 'family'];

/** Configuration values compare by content (they are plain JSON data). */
export function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export function classify(before: InstanceConfig, after: InstanceConfig): InstanceAction {
  if (same(before, after)) return 'unchanged';
  if (IDENTITY.some((field) => !same(before[field], after[field]))) return 'restart';
  // The owner (255) keeps its addresses and ignores advertisements (§7.1): becoming or ceasing
  // to be the owner is a different instance.
  if ((before.priority === OWNER_PRIORITY) !== (after.priority === OWNER_PRIORITY)) return 'restart';
  return 'update';
}

export function planReload(before: readonly InstanceConfig[], after: readonly InstanceConfig[]): ReloadPlan {
  const old = new Map(before.map((i) => [i.name, i]));
  const plan = { unchanged: [] as string[], update: [] as string[], restart: [] as string[], remove: [] as string[], add: [] as string[] };
  for (const instance of after) {
    const previous = old.get(instance.name);
    if (previous === undefined) plan.add.push(instance.name);
    else plan[classify(previous, instance)].push(instance.name);
  }
  const kept = new Set(after.map((i) => i.name));
  plan.remove.push(...before.filter((i) => !kept.has(i.name)).map((i) => i.name));
  return plan;
}
