/**
 * One planned fault, carried out: its target resolved from who holds the failover IPs now,
 * the fault applied and healed, and its window recorded for the checker.
 */

import { addCopy, deleteVip } from './address-faults.js';
import { killAndRestart, reload, stepDownAndResume } from './daemon-faults.js';
import { DAEMON_MEMBERS, type Lab } from './lab.js';
import type { Family, FaultWindow } from './model.js';
import { isolate, loss, partition, recreateInterface } from './net-faults.js';
import { pickMember, type PlannedFault } from './schedule.js';

/** The member a fault is aimed at, among the daemons' members (never the rogue). */
export function resolveTarget(planned: PlannedFault, holders: Readonly<Record<Family, readonly number[]>>): number {
  const all = [...DAEMON_MEMBERS];
  const target = planned.target;
  let candidates: number[] = all;
  if (target.role === 'master') candidates = all.filter((m) => holders[target.family].includes(m));
  else if (target.role === 'backup') candidates = all.filter((m) => !holders[target.family].includes(m));
  return pickMember(candidates.length > 0 ? candidates : all, planned.pick) as number;
}

async function apply(lab: Lab, planned: PlannedFault, member: number): Promise<string | { detail: string; cleanedAt?: number }> {
  const family: Family = planned.target.role === 'any' ? 'v4' : planned.target.family;
  switch (planned.kind) {
    case 'sigkill':
      return killAndRestart(lab, member, 'SIGKILL', planned.holdMs);
    case 'sigterm':
      return killAndRestart(lab, member, 'SIGTERM', planned.holdMs);
    case 'partition':
      return partition(lab, member, planned.holdMs);
    case 'isolation':
      return isolate(lab, member, planned.holdMs);
    case 'loss':
      return loss(lab, member, planned.lossPercent ?? 40, planned.holdMs);
    case 'reload':
      return reload(lab, member, planned.reload ?? { change: 'peers' });
    case 'delete-vip':
      return deleteVip(lab, member, family);
    case 'add-copy':
      return addCopy(lab, member, family);
    case 'step-down':
      return stepDownAndResume(lab, member, family, planned.holdMs);
    case 'recreate-interface':
      return recreateInterface(lab, member, planned.holdMs);
  }
}

export async function inject(lab: Lab, planned: PlannedFault, id: number, holders: Readonly<Record<Family, readonly number[]>>): Promise<FaultWindow> {
  const member = resolveTarget(planned, holders);
  const start = lab.now();
  const role = planned.target.role === 'any' ? '' : ` (${planned.target.role} of ${planned.target.family})`;
  const applied = await apply(lab, planned, member);
  const { detail, cleanedAt } = typeof applied === 'string' ? { detail: applied, cleanedAt: undefined } : applied;
  return { id, kind: planned.kind, member, detail: `${detail}${role}`, start, heal: lab.now(), priorities: lab.priorities(), ...(cleanedAt === undefined ? {} : { cleanedAt }) };
}
