/**
 * The quiet time after each healed fault, per failover IP: exactly one holder within the settle
 * bound and the same one until the next fault (`settle`, `unstable`), the one the configured
 * priorities elect (`expected-holder`: preemption is on), the client's neighbour entry at that
 * holder's MAC within a second (`neighbour`), and every daemon's instance back in the protocol
 * (`recovered`: MASTER or BACKUP, not stuck in FAULT after an interface came back).
 */

import { FAMILIES, type Bounds, type Family, type FaultWindow, type RoleChange, type SoakRecord, type Violation } from './model.js';
import { episodes, sameList, valueAt } from './timeline.js';

export interface SettleResult {
  readonly violations: Violation[];
  /** Heal → settled, per window and family, for the figures. */
  readonly settleMs: number[];
}

const ref = (w: FaultWindow) => ({ id: w.id, kind: w.kind, member: w.member });

/** RFC 9568 §6.4.3: the higher priority wins, then the higher primary address (higher index here). */
export function electedMember(priorities: Readonly<Record<number, number>>, members: readonly number[]): number | undefined {
  let best: number | undefined;
  for (const m of members) {
    const p = priorities[m];
    if (p === undefined) continue;
    const b = best === undefined ? undefined : priorities[best];
    if (b === undefined || p > b || (p === b && m > (best as number))) best = m;
  }
  return best;
}

export function checkQuietTimes(record: SoakRecord, bounds: Bounds): SettleResult {
  const violations: Violation[] = [];
  const settleMs: number[] = [];
  const windows = [...record.windows].sort((a, b) => a.start - b.start);
  windows.forEach((w, i) => {
    const next = windows[i + 1]?.start ?? record.stopAt;
    if (next <= w.heal) return;
    for (const family of FAMILIES) {
      const settled = checkSettle(record, bounds, w, next, family, violations);
      if (settled === undefined) continue;
      settleMs.push(settled.at - w.heal);
      // A member that is master for a few ms after the heal (its Active_Down_Timer ran out on
      // the fault's silence) may never show among the sampled holders, yet its announcement
      // moves the client's entry: for the neighbour, the group has settled once the last such
      // mastership the daemons logged has ended too.
      const neighbourFrom = Math.max(settled.at, lastMastershipChange(record, w.heal, next, family));
      checkNeighbour(record, bounds, w, next, family, { at: neighbourFrom, holder: settled.holder }, violations);
    }
    checkRecovered(record, bounds, w, next, violations);
  });
  return { violations, settleMs };
}

function checkSettle(record: SoakRecord, bounds: Bounds, w: FaultWindow, next: number, family: Family, out: Violation[]): { at: number; holder: number } | undefined {
  const runs = episodes(record.samples, w.heal, next, (s) => s.holders[family], sameList);
  const last = runs.at(-1);
  if (last === undefined) return undefined;
  const deadline = w.heal + bounds.settleMs;
  if (last.value.length !== 1) {
    out.push({ invariant: 'settle', t: last.start, family, window: ref(w), detail: `no single holder before the next fault: holders [${last.value.join(',')}] from ${last.start} ms until ${next} ms (healed at ${w.heal} ms)` });
    return undefined;
  }
  const holder = last.value[0] as number;
  if (last.start > deadline && next > deadline) {
    const atDeadline = valueAt(record.samples, deadline, (s) => s.holders[family]) ?? [];
    if (atDeadline.length === 1) {
      const broke = runs.find((r) => r.start <= deadline && r.end > deadline);
      out.push({ invariant: 'unstable', t: broke?.end ?? last.start, family, window: ref(w), detail: `settled on m${atDeadline[0]} by the bound, then holders changed at ${broke?.end ?? '?'} ms; single holder m${holder} again only from ${last.start} ms` });
    } else {
      out.push({ invariant: 'settle', t: last.start, family, window: ref(w), detail: `single holder m${holder} only from ${last.start} ms, ${last.start - w.heal} ms after the heal (bound ${bounds.settleMs} ms); holders [${atDeadline.join(',')}] at the bound` });
    }
  }
  const expected = electedMember(w.priorities[family], record.daemonMembers);
  if (expected !== undefined && expected !== holder) {
    out.push({ invariant: 'expected-holder', t: last.start, family, member: holder, window: ref(w), detail: `m${holder} holds, but m${expected} has the highest priority (${JSON.stringify(w.priorities[family])})` });
  }
  return { at: last.start, holder };
}

/** The last time in (from, to) a member of `family` became MASTER or left it, by the daemons' logs. */
function lastMastershipChange(record: SoakRecord, from: number, to: number, family: Family): number {
  let last = -Infinity;
  const previous = new Map<number, string>();
  for (const change of [...record.roles].sort((a, b) => a.t - b.t)) {
    if (change.family !== family) continue;
    const before = previous.get(change.member);
    previous.set(change.member, change.state);
    if (change.t > from && change.t < to && (change.state === 'MASTER' || before === 'MASTER')) last = change.t;
  }
  return last;
}

function checkNeighbour(record: SoakRecord, bounds: Bounds, w: FaultWindow, next: number, family: Family, settled: { at: number; holder: number }, out: Violation[]): void {
  const want = record.macs[settled.holder];
  const runs = episodes(record.samples, settled.at, next, (s) => s.neighbour[family], (a, b) => a === b);
  const reached = runs.find((r) => r.value === want);
  const deadline = settled.at + bounds.neighbourMs;
  const owner = (mac: string | null) => (mac === null ? 'no entry' : `${mac} (${Object.entries(record.macs).find(([, m]) => m === mac)?.[0] ?? '?'})`);
  if (reached === undefined || reached.start > deadline) {
    if (next <= deadline && reached === undefined) return;
    const seen = valueAt(record.samples, Math.min(deadline, next - 1), (s) => s.neighbour[family]) ?? null;
    out.push({ invariant: 'neighbour', t: deadline, family, member: settled.holder, window: ref(w), detail: `the client's entry is ${owner(seen)} ${bounds.neighbourMs} ms after m${settled.holder} settled at ${settled.at} ms, not ${want}` });
    return;
  }
  const strayed = runs.find((r) => r.start > reached.start && r.value !== null && r.value !== want);
  if (strayed !== undefined) {
    out.push({ invariant: 'neighbour', t: strayed.start, family, member: settled.holder, window: ref(w), detail: `the client's entry moved to ${owner(strayed.value)} at ${strayed.start} ms while m${settled.holder} holds` });
  }
}

function checkRecovered(record: SoakRecord, bounds: Bounds, w: FaultWindow, next: number, out: Violation[]): void {
  const deadline = w.heal + bounds.settleMs;
  if (next <= deadline) return;
  for (const member of record.daemonMembers) {
    for (const family of FAMILIES) {
      const roles = record.roles.filter((r: RoleChange) => r.member === member && r.family === family);
      const bad = episodes(roles, deadline, next, (r) => r.state, (a, b) => a === b).find((r) => r.value !== 'MASTER' && r.value !== 'BACKUP');
      if (bad !== undefined) {
        out.push({ invariant: 'recovered', t: bad.start, family, member, window: ref(w), detail: `m${member}'s ${family} instance is ${bad.value} from ${bad.start} ms to ${bad.end} ms, past the settle bound of the heal at ${w.heal} ms` });
      }
    }
  }
}
