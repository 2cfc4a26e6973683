/**
 * The soak's printed report: the faults by kind, the violations by invariant with their
 * times and faults (and the daemons' log lines around the first ones), the longest times with
 * no holder and with two holders, and the bounds they were held to.
 */

import type { Verdict } from './invariants.js';
import { FAULT_KINDS, INVARIANTS, type Bounds, type FaultWindow, type Violation } from './model.js';

export interface ReportInput {
  readonly seed: number;
  readonly minutes: number;
  readonly rogue: boolean;
  readonly bounds: Bounds;
  readonly windows: readonly FaultWindow[];
  readonly verdict: Verdict;
  readonly samples: number;
  readonly drift: number;
  readonly cleanup: boolean;
  /** Daemon log lines around a time (soak ms). */
  readonly logsAround: (t: number) => string[];
}

/** How many violations of one invariant get their log lines printed. */
const WITH_LOGS = 2;
const s = (ms: number): string => `${(ms / 1000).toFixed(3)} s`;

function where(v: Violation): string {
  const parts = [v.family, v.member === undefined ? undefined : `m${v.member}`, v.window === undefined ? undefined : `during #${v.window.id} ${v.window.kind} on m${v.window.member}`];
  return parts.filter((p) => p !== undefined).join(', ');
}

export function formatReport(input: ReportInput): string {
  const { verdict, bounds, windows } = input;
  const lines: string[] = [];
  const faults = windows.filter((w) => w.kind !== 'startup');
  lines.push('', `chaos soak: seed ${input.seed}, ${input.minutes} min of faults${input.rogue ? ', with a rogue member (m4) holding the failover IPs statically' : ''}`);
  lines.push(`bounds: settle ${bounds.settleMs} ms after a heal (Active_Down_Interval + margin), handover ${bounds.handoverMs} ms, neighbour ${bounds.neighbourMs} ms after a settle, exit grace ${bounds.exitGraceMs} ms`);
  lines.push(`SIGKILL followed by --cleanup (the unit's ExecStopPost): ${input.cleanup ? 'yes' : 'no, the daemon has no --cleanup'}`);
  lines.push('', `faults injected: ${faults.length}`);
  for (const kind of FAULT_KINDS) lines.push(`  ${kind.padEnd(20)} ${faults.filter((w) => w.kind === kind).length}`);
  lines.push('', 'fault log:');
  for (const w of windows) lines.push(`  #${String(w.id).padStart(3)} ${s(w.start).padStart(10)} → ${s(w.heal).padStart(10)}  ${w.kind} m${w.member}: ${w.detail}`);
  lines.push('', `violations: ${verdict.violations.length}`);
  for (const invariant of INVARIANTS) {
    const found = verdict.violations.filter((v) => v.invariant === invariant);
    if (found.length === 0) continue;
    lines.push(`  ${invariant}: ${found.length}`);
    found.forEach((v, i) => {
      lines.push(`    at ${s(v.t)} (${where(v)}): ${v.detail}`);
      if (i < WITH_LOGS) for (const log of input.logsAround(v.t)) lines.push(`        | ${log}`);
    });
  }
  if (verdict.violations.length > 0) {
    // Which faults' quiet times the violations fall in: the first kind in a row is often the cause.
    lines.push('', 'violations by the fault whose window they fall in:');
    for (const invariant of INVARIANTS) {
      const found = verdict.violations.filter((v) => v.invariant === invariant);
      if (found.length === 0) continue;
      const byKind = new Map<string, number>();
      for (const v of found) byKind.set(v.window?.kind ?? '-', (byKind.get(v.window?.kind ?? '-') ?? 0) + 1);
      const first = found[0] as Violation;
      lines.push(`  ${invariant.padEnd(16)} first at ${s(first.t)}${first.window === undefined ? '' : ` (#${first.window.id} ${first.window.kind})`}; ${[...byKind].map(([k, n]) => `${k} ${n}`).join(', ')}`);
    }
  }
  const longest = (label: string, l: Verdict['longestDual']) => `${label}: ${l.ms} ms${l.ms > 0 ? ` (${l.family} at ${s(l.t)})` : ''}`;
  lines.push('', longest('longest no-holder time', verdict.longestNoHolder));
  lines.push(longest('longest dual-holder time', verdict.longestDual));
  lines.push(longest('longest dual-holder time outside split windows', verdict.longestDualOutsideSplit));
  lines.push(`slowest heal → single holder: ${verdict.slowestSettleMs} ms`);
  lines.push(`kernel observations: ${input.samples} changes recorded, ${input.drift} stream/dump differences corrected`);
  lines.push('', verdict.violations.length === 0 ? 'chaos soak PASSED: no violations' : `chaos soak FAILED: ${verdict.violations.length} violation(s)`);
  return `${lines.join('\n')}\n`;
}
