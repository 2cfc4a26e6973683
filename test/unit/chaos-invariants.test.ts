/**
 * The chaos soak's checker on synthetic timelines: a clean one passes, and each violation is
 * produced by a timeline that differs from the clean one by the fault it is about.
 */

import t from 'tap';
import { checkSoak } from '../chaos/invariants.js';
import type { Bounds, DaemonExit, FaultWindow, Invariant, RoleChange, Sample, SoakRecord, WindowKind } from '../chaos/model.js';

const BOUNDS: Bounds = { settleMs: 1000, handoverMs: 250, neighbourMs: 1000, exitGraceMs: 200 };
const MAC: Record<number, string> = { 1: '02:00:00:00:00:01', 2: '02:00:00:00:00:02', 3: '02:00:00:00:00:03', 4: '02:00:00:00:00:04' };
const PRIORITIES = { 1: 150, 2: 100, 3: 50 };

/** Both families held alike; the client's entries at the (first) holder unless told. */
function at(time: number, holders: number[], neighbour: string | null = holders[0] === undefined ? null : (MAC[holders[0]] as string)): Sample {
  return { t: time, holders: { v4: holders, v6: holders }, neighbour: { v4: neighbour, v6: neighbour } };
}

function window(id: number, kind: WindowKind, start: number, heal: number, member = 1, priorities: Record<number, number> = PRIORITIES): FaultWindow {
  return { id, kind, member, detail: '', start, heal, priorities: { v4: priorities, v6: priorities } };
}

function roles(time: number, states: Record<number, string>): RoleChange[] {
  return Object.entries(states).flatMap(([m, state]) => (['v4', 'v6'] as const).map((family) => ({ t: time, member: Number(m), family, state })));
}

const STARTUP = window(0, 'startup', 0, 1000, 0);
const BASE_ROLES = roles(500, { 1: 'MASTER', 2: 'BACKUP', 3: 'BACKUP' });

/** m1 holds throughout; one fault window (a SIGKILL of m3 at 5 s, healed at 6 s); stop at 20 s. */
function record(over: Partial<SoakRecord> = {}): SoakRecord {
  return {
    samples: [at(0, []), at(800, [1])],
    windows: [STARTUP, window(1, 'sigkill', 5000, 6000, 3)],
    exits: [{ t: 5010, member: 3, code: null, signal: 'SIGKILL', cause: 'sigkill' }],
    roles: [...BASE_ROLES, ...roles(5010, { 3: 'STOPPED' }), ...roles(5500, { 3: 'INIT' }), ...roles(6000, { 3: 'BACKUP' })],
    daemonMembers: [1, 2, 3],
    macs: MAC,
    stopAt: 20_000,
    finalHolders: { v4: [], v6: [] },
    stuckAtStop: [],
    soakErrors: [],
    ...over,
  };
}

const found = (r: SoakRecord): Invariant[] => [...new Set(checkSoak(r, BOUNDS).violations.map((v) => v.invariant))].sort();

t.test('a clean timeline has no violation', async (t) => {
  const verdict = checkSoak(record(), BOUNDS);
  t.same(verdict.violations, []);
  t.equal(verdict.longestNoHolder.ms, 0, 'start-up before the daemons were ready is not counted');
  t.equal(verdict.longestDual.ms, 0);
});

t.test('settle: no single holder by heal + bound', async (t) => {
  // Healed at 6 s: nobody, then a 200 ms make-before-break handover, m1 alone only at 7.1 s.
  const samples = [at(0, []), at(800, [1]), at(6000, []), at(6900, [1, 2]), at(7100, [1])];
  t.same(found(record({ samples })), ['settle']);
});

t.test('settle: still two holders when the next fault comes', async (t) => {
  const samples = [at(0, []), at(800, [1]), at(9000, [1, 2])];
  const verdict = checkSoak(record({ samples, windows: [STARTUP, window(1, 'partition', 5000, 6000), window(2, 'reload', 10_000, 10_000)] }), BOUNDS);
  t.same([...new Set(verdict.violations.map((v) => v.invariant))].sort(), ['dual-holder', 'settle']);
  t.match(verdict.violations.find((v) => v.invariant === 'settle')?.detail, /no single holder before the next fault/);
});

t.test('unstable: settled, then the holder is lost in the quiet time', async (t) => {
  const samples = [at(0, []), at(800, [1]), at(9000, []), at(9100, [1])];
  const verdict = checkSoak(record({ samples }), BOUNDS);
  t.same(found(record({ samples })), ['unstable']);
  t.equal(verdict.violations[0]?.t, 9000, 'stamped when the holder changed');
  t.equal(verdict.violations[0]?.window?.kind, 'sigkill', 'named after the fault whose quiet time it broke');
});

t.test('expected-holder: a single stable holder that the priorities do not elect', async (t) => {
  const samples = [at(0, []), at(800, [2])];
  const roleLines = [...roles(500, { 1: 'BACKUP', 2: 'MASTER', 3: 'BACKUP' }), ...roles(5010, { 3: 'STOPPED' }), ...roles(6000, { 3: 'BACKUP' })];
  t.same(found(record({ samples, roles: roleLines })), ['expected-holder']);
  // A reload that gave m2 the highest priority makes the same timeline right after it.
  const windows = [window(0, 'startup', 0, 1000, 0, { 1: 50, 2: 160, 3: 40 }), window(1, 'reload', 5000, 5000, 2, { 1: 50, 2: 160, 3: 40 })];
  t.same(found(record({ samples, roles: roleLines, windows })), []);
});

t.test('equal priorities: the higher primary address (member index) is elected, as in RFC 9568 §6.4.3', async (t) => {
  const windows = [window(0, 'startup', 0, 1000, 0, { 1: 100, 2: 100, 3: 50 }), window(1, 'sigkill', 5000, 6000, 3, { 1: 100, 2: 100, 3: 50 })];
  t.same(found(record({ windows })), ['expected-holder']);
});

t.test('no-holder: a gap longer than the settle bound, even inside a fault', async (t) => {
  const samples = [at(0, []), at(800, [1]), at(5000, []), at(6200, [1])];
  const verdict = checkSoak(record({ samples, windows: [STARTUP, window(1, 'sigkill', 5000, 7000, 1)] }), BOUNDS);
  t.same([...new Set(verdict.violations.map((v) => v.invariant))], ['no-holder']);
  t.equal(verdict.longestNoHolder.ms, 1200);
});

t.test('dual-holder: two holders beyond a handover outside a split window; allowed in one and its bound', async (t) => {
  const samples = [at(0, []), at(800, [1]), at(5000, [1, 2]), at(5600, [1])];
  const term = checkSoak(record({ samples, windows: [STARTUP, window(1, 'sigterm', 5000, 6000, 2)] }), BOUNDS);
  t.same(term.violations.map((v) => `${v.invariant} ${v.family}`), ['dual-holder v4', 'dual-holder v6']);
  t.equal(term.longestDualOutsideSplit.ms, 600);
  for (const kind of ['partition', 'isolation', 'loss'] as const) {
    t.same(found(record({ samples, windows: [STARTUP, window(1, kind, 5000, 5200, 2)] })), [], `${kind}: allowed`);
  }
  // The split window healed at 5.2 s, so two holders are allowed until 6.2 s; not 300 ms more.
  const over = [at(0, []), at(800, [1]), at(5000, [1, 2]), at(6500, [1])];
  const late = checkSoak(record({ samples: over, windows: [STARTUP, window(1, 'isolation', 5000, 5200, 2)] }), BOUNDS);
  t.ok(late.violations.some((v) => v.invariant === 'dual-holder' && v.detail.includes('300 ms')), 'the part past the bound counts');
  t.equal(late.longestDual.ms, 1500);
});

t.test('dual-holder after a SIGKILL: allowed until the unit cleanup has run plus the handover bound, not beyond', async (t) => {
  // m1 killed at 5 s keeps the IP in its kernel; m2 takes over at 5.4 s; the cleanup ends at 5.8 s.
  const killed = { ...window(1, 'sigkill', 5000, 6500, 1), cleanedAt: 5800 };
  const inTime = [at(0, []), at(800, [1]), at(5400, [1, 2]), at(5850, [2]), at(6500, [1, 2]), at(6600, [1])];
  t.same(found(record({ samples: inTime, windows: [STARTUP, killed] })).filter((i) => i === 'dual-holder'), [], 'removed 50 ms after the cleanup ended');
  const lingering = [at(0, []), at(800, [1]), at(5400, [1, 2]), at(6400, [2]), at(6500, [1, 2]), at(6600, [1])];
  const verdict = checkSoak(record({ samples: lingering, windows: [STARTUP, killed] }), BOUNDS);
  t.ok(verdict.violations.some((v) => v.invariant === 'dual-holder' && v.detail.includes('350 ms')), 'still held 600 ms after the cleanup: the part past 250 ms counts');
});

t.test('dual-holder: a short make-before-break handover is not a violation', async (t) => {
  const samples = [at(0, []), at(800, [1]), at(6500, [1, 2]), at(6700, [2]), at(6720, [1])];
  t.notOk(found(record({ samples })).includes('dual-holder'));
});

t.test('neighbour: the client keeps the old holder’s MAC after the settle (the split-brain race)', async (t) => {
  const samples = [at(0, []), at(800, [1]), at(5000, [1, 3], MAC[3] as string), at(5500, [1], MAC[3] as string)];
  const windows = [STARTUP, window(1, 'isolation', 5000, 5400, 3)];
  const verdict = checkSoak(record({ samples, windows }), BOUNDS);
  t.same(found(record({ samples, windows })), ['neighbour']);
  t.match(verdict.violations[0]?.detail, /02:00:00:00:00:03 \(3\)/);
  // The winner's gratuitous ARP within the second fixes it.
  t.same(found(record({ samples: [...samples, at(6400, [1])], windows })), []);
});

t.test('neighbour: the entry moves away from the holder in the quiet time', async (t) => {
  const samples = [at(0, []), at(800, [1]), at(9000, [1], MAC[2] as string)];
  t.same(found(record({ samples })), ['neighbour']);
  // No usable entry (FAILED, being resolved) is not "pointing elsewhere".
  t.same(found(record({ samples: [at(0, []), at(800, [1]), at(9000, [1], null), at(9100, [1])] })), []);
});

t.test('neighbour: a member master for a few ms after the heal, unseen by the sampler, moves the settle for the neighbour', async (t) => {
  // m1 holds; after a loss window on m3 healed at 6 s, m2's timer runs out on the fault's
  // silence: MASTER at 6050 for 4 ms (too short for the holder samples), its announcement moving
  // the client's entry; m1 re-announces 30 ms later.
  const windows = [STARTUP, window(1, 'loss', 5000, 6000, 3)];
  const blip = [...roles(6050, { 2: 'MASTER' }), ...roles(6054, { 2: 'BACKUP' })];
  const fixed = [at(0, []), at(800, [1]), at(6049, [1], MAC[2] as string), at(6084, [1])];
  t.same(found(record({ samples: fixed, windows, roles: [...record().roles, ...blip] })), [], 'back at the holder within the second after that mastership ended');
  t.same(found(record({ samples: fixed, windows })), ['neighbour'], 'without the logged mastership it is a stray');
  const stuck = [at(0, []), at(800, [1]), at(6049, [1], MAC[2] as string)];
  t.same(found(record({ samples: stuck, windows, roles: [...record().roles, ...blip] })), ['neighbour'], 'still at the blip’s MAC a second later: a violation');
});

t.test('recovered: an instance still in FAULT past the settle bound', async (t) => {
  const stuck = [...BASE_ROLES, ...roles(5010, { 3: 'STOPPED' }), ...roles(5500, { 3: 'INIT' }), ...roles(6000, { 3: 'FAULT' })];
  const verdict = checkSoak(record({ roles: stuck }), BOUNDS);
  t.same([...new Set(verdict.violations.map((v) => v.invariant))], ['recovered']);
  t.equal(verdict.violations.length, 2, 'one per family');
  // FAULT until within the bound is fine.
  t.same(found(record({ roles: [...stuck, ...roles(6900, { 3: 'BACKUP' })] })), []);
});

t.test('unexpected-exit, stop-status, left-behind: exits the soak did not cause, or that went wrong', async (t) => {
  const exits = (exit: DaemonExit) => found(record({ exits: [exit] }));
  t.same(exits({ t: 5010, member: 3, code: 1, signal: null, cause: 'none' }), ['unexpected-exit']);
  t.same(exits({ t: 5010, member: 3, code: 1, signal: null, cause: 'sigterm' }), ['stop-status']);
  t.same(exits({ t: 5010, member: 3, code: 0, signal: null, cause: 'sigterm' }), []);
  // m1 stopped with SIGTERM at 5 s, yet still holds at 5.2 s (m2 took over at 5.1 s).
  const samples = [at(0, []), at(800, [1]), at(5100, [1, 2]), at(5300, [2])];
  const left = record({ samples, exits: [{ t: 5000, member: 1, code: 0, signal: null, cause: 'sigterm' }], windows: [STARTUP, window(1, 'sigterm', 4990, 6000, 1, { 1: 150, 2: 100, 3: 50 })], roles: [...BASE_ROLES, ...roles(6000, { 1: 'BACKUP' }), ...roles(5100, { 2: 'MASTER' })] });
  t.ok(found(left).includes('left-behind'));
  t.same(found(record({ stuckAtStop: [2] })), ['stop-status']);
});

t.test('final-holders: an address left after the final stop; soak-action: a fault that could not be made', async (t) => {
  t.same(found(record({ finalHolders: { v4: [4], v6: [] } })), ['final-holders']);
  t.same(found(record({ soakErrors: [{ t: 7000, member: 2, detail: 'restart failed' }] })), ['soak-action']);
});

t.test('a rogue member that holds the IP statically fails the soak', async (t) => {
  const samples = [at(0, [4]), at(800, [1, 4], MAC[4] as string)];
  const invariants = found(record({ samples, macs: MAC, finalHolders: { v4: [4], v6: [4] } }));
  t.ok(invariants.includes('dual-holder'));
  t.ok(invariants.includes('settle'));
  t.ok(invariants.includes('final-holders'));
});
