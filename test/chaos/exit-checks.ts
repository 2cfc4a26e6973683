/**
 * Daemon exits and the final stop: a daemon exits only when the soak stops it
 * (`unexpected-exit`); one stopped with SIGTERM exits 0 in time (`stop-status`) and leaves no
 * failover IP behind (`left-behind`); after the final stop no member holds any (`final-holders`).
 * Soak actions that failed (a restart that never came up) are reported too (`soak-action`):
 * a soak that could not inject its faults proves nothing.
 */

import { FAMILIES, type Bounds, type SoakRecord, type Violation } from './model.js';
import { valueAt } from './timeline.js';

export function checkExits(record: SoakRecord, bounds: Bounds): Violation[] {
  const out: Violation[] = [];
  for (const exit of record.exits) {
    const how = `code ${String(exit.code)}, signal ${String(exit.signal)}`;
    if (exit.cause === 'none') {
      out.push({ invariant: 'unexpected-exit', t: exit.t, member: exit.member, detail: `m${exit.member}'s daemon exited by itself (${how})` });
      continue;
    }
    if (exit.cause === 'sigkill') continue;
    if (exit.code !== 0) out.push({ invariant: 'stop-status', t: exit.t, member: exit.member, detail: `m${exit.member}'s daemon exited with ${how} after SIGTERM, not 0` });
    for (const family of FAMILIES) {
      const holders = valueAt(record.samples, exit.t + bounds.exitGraceMs, (s) => s.holders[family]) ?? [];
      if (holders.includes(exit.member)) {
        out.push({ invariant: 'left-behind', t: exit.t, family, member: exit.member, detail: `m${exit.member} still holds the ${family} failover IP ${bounds.exitGraceMs} ms after its daemon exited (${exit.cause})` });
      }
    }
  }
  for (const member of record.stuckAtStop) {
    out.push({ invariant: 'stop-status', t: record.stopAt, member, detail: `m${member}'s daemon had not exited at the final stop's deadline` });
  }
  for (const family of FAMILIES) {
    const left = record.finalHolders[family];
    if (left.length > 0) out.push({ invariant: 'final-holders', t: record.stopAt, family, detail: `after the final stop members [${left.join(',')}] still hold the ${family} failover IP` });
  }
  for (const error of record.soakErrors) out.push({ invariant: 'soak-action', t: error.t, member: error.member, detail: error.detail });
  return out;
}
