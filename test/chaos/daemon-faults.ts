/**
 * Faults done to a member's daemon: SIGKILL and SIGTERM followed by a restart (as systemd's
 * Restart= would, after the fault's hold), a reload after the configuration changed (a new
 * priority for one instance, or the IPv4 group's unicast peers gaining or losing a peer that
 * does not exist), and an operator's step-down held for a while, then resume.
 * Each returns when the fault is healed: the restarted daemon ready, the reload done.
 */

import { ctl } from '../integration/helpers/ctl.js';
import { INSTANCE, type Lab } from './lab.js';
import type { Family } from './model.js';
import { uniquePriority, type ReloadChange } from './schedule.js';

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function killAndRestart(lab: Lab, member: number, signal: 'SIGKILL' | 'SIGTERM', holdMs: number): Promise<{ detail: string; cleanedAt?: number }> {
  const killedAt = lab.now();
  const inTime = await lab.stop(member, signal, signal === 'SIGKILL' ? 'sigkill' : 'sigterm');
  if (!inTime) lab.errors.push({ t: lab.now(), member, detail: `m${member}'s daemon did not exit within 5 s of ${signal}` });
  const cleanedAt = signal === 'SIGKILL' ? await lab.cleanupAfterExit(member) : undefined;
  await sleep(holdMs);
  await lab.start(member);
  const cleanup = cleanedAt === undefined ? '' : ` (--cleanup done ${cleanedAt - killedAt} ms after the kill)`;
  return { detail: `${signal}, restarted after ${holdMs} ms${cleanup}`, ...(cleanedAt === undefined ? {} : { cleanedAt }) };
}

export async function reload(lab: Lab, member: number, change: ReloadChange): Promise<string> {
  const plan = lab.plan(member);
  let detail: string;
  if (change.change === 'priority') {
    const others = Object.entries(lab.priorities()[change.family]).filter(([m]) => Number(m) !== member).map(([, p]) => p);
    const priority = uniquePriority(change.priority, others);
    detail = `reload: ${INSTANCE[change.family]} priority ${plan.priorities[change.family]} → ${priority}`;
    plan.priorities[change.family] = priority;
  } else {
    plan.phantomPeer = !plan.phantomPeer;
    detail = `reload: ${INSTANCE.v4} unicastPeers ${plan.phantomPeer ? 'gain' : 'lose'} a peer that does not exist`;
  }
  lab.writeConfig(member);
  const daemon = lab.daemon(member);
  if (daemon === undefined) return `${detail} (no daemon)`;
  const mark = daemon.lines.length;
  daemon.kill('SIGHUP');
  await daemon.waitLine({ msg: 'configuration reloaded' }, 5000, mark).catch((error: unknown) => {
    lab.errors.push({ t: lab.now(), member, detail: `m${member}: ${detail} not confirmed: ${String(error)}` });
  });
  return detail;
}

export async function stepDownAndResume(lab: Lab, member: number, family: Family, holdMs: number): Promise<string> {
  const { socket } = lab.writeConfig(member);
  for (const [command, wait] of [['step-down', holdMs], ['resume', 0]] as const) {
    const result = await ctl(socket, [command, INSTANCE[family]]);
    if (result.status !== 0) lab.errors.push({ t: lab.now(), member, detail: `ipfailoverctl ${command} ${INSTANCE[family]} on m${member} exited ${String(result.status)}: ${result.stderr.trim()}` });
    await sleep(wait);
  }
  return `step-down ${INSTANCE[family]}, resume after ${holdMs} ms`;
}
