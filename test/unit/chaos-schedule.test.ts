/** The chaos soak's seeded fault schedule and its timeline helpers. */

import t from 'tap';
import { parseSoakArgs, type SoakOptions } from '../chaos/args.js';
import { FAULT_KINDS } from '../chaos/model.js';
import { FaultPlanner, pickMember, PRIORITY_RANGE, uniquePriority } from '../chaos/schedule.js';
import { episodes, outside, valueAt } from '../chaos/timeline.js';

const plan = (seed: number, n: number) => {
  const planner = new FaultPlanner(seed, { minQuietMs: 3000 });
  return Array.from({ length: n }, () => planner.next());
};

t.test('the same seed gives the same faults; another seed other faults', async (t) => {
  t.same(plan(42, 30), plan(42, 30));
  t.notSame(plan(42, 30), plan(43, 30));
});

t.test('every kind comes up once in each round of ten', async (t) => {
  const faults = plan(7, 30);
  for (let round = 0; round < 3; round++) {
    t.same(faults.slice(round * 10, round * 10 + 10).map((f) => f.kind).sort(), [...FAULT_KINDS].sort(), `round ${round + 1}`);
  }
});

t.test('targets, holds and parameters fit each kind', async (t) => {
  for (const f of plan(3, 200)) {
    t.ok(f.quietMs >= 3000, 'quiet time at least the minimum');
    t.ok(f.pick >= 0 && f.pick < 1);
    if (f.kind === 'delete-vip' || f.kind === 'step-down') t.equal(f.target.role, 'master', f.kind);
    if (f.kind === 'add-copy') t.equal(f.target.role, 'backup', f.kind);
    if (f.kind === 'reload') t.equal(f.target.role, 'any');
    if (f.kind === 'loss') t.ok(f.lossPercent !== undefined && f.lossPercent >= 30 && f.lossPercent <= 60, `loss ${f.lossPercent}`);
    if (f.kind === 'partition' || f.kind === 'isolation') t.ok(f.holdMs >= 2000 && f.holdMs <= 4000);
    if (f.reload?.change === 'priority') t.ok(f.reload.priority >= PRIORITY_RANGE[0] && f.reload.priority <= PRIORITY_RANGE[1]);
  }
});

t.test('pickMember is repeatable and covers every candidate', async (t) => {
  t.equal(pickMember([3, 1, 2], 0), 1);
  t.equal(pickMember([3, 1, 2], 0.5), 2);
  t.equal(pickMember([3, 1, 2], 0.99), 3);
  t.equal(pickMember([], 0.5), undefined);
});

t.test('uniquePriority avoids ties, wrapping inside the range', async (t) => {
  t.equal(uniquePriority(120, [100, 150]), 120);
  t.equal(uniquePriority(100, [100, 101]), 102);
  t.equal(uniquePriority(200, [200]), 50);
});

t.test('episodes merge equal runs and clip to the interval; valueAt and outside', async (t) => {
  const samples = [
    { t: 0, v: 'a' },
    { t: 10, v: 'a' },
    { t: 20, v: 'b' },
    { t: 40, v: 'a' },
  ];
  const runs = episodes(samples, 5, 50, (s) => s.v, (a, b) => a === b);
  t.same(runs, [
    { start: 5, end: 20, value: 'a' },
    { start: 20, end: 40, value: 'b' },
    { start: 40, end: 50, value: 'a' },
  ]);
  t.same(episodes(samples, 50, 50, (s) => s.v, (a, b) => a === b), []);
  t.equal(valueAt(samples, 25, (s) => s.v), 'b');
  t.equal(valueAt(samples, -1, (s) => s.v), undefined);
  t.same(outside([0, 100], [[10, 20], [50, 150]]), [[0, 10], [20, 50]]);
  t.same(outside([0, 100], []), [[0, 100]]);
});

t.test('a schedule limited to some kinds draws only those', async (t) => {
  const planner = new FaultPlanner(5, { minQuietMs: 3000, kinds: ['sigkill', 'reload'] });
  const kinds = new Set(Array.from({ length: 20 }, () => planner.next().kind));
  t.same([...kinds].sort(), ['reload', 'sigkill']);
});

t.test('the soak’s command line', async (t) => {
  t.same(parseSoakArgs(['--minutes', '2', '--seed', '9'], 1), { minutes: 2, seed: 9, rogue: false, json: undefined, kinds: [...FAULT_KINDS], logLevel: 'info' });
  t.same(parseSoakArgs([], 77), { minutes: 3, seed: 77, rogue: false, json: undefined, kinds: [...FAULT_KINDS], logLevel: 'info' }, 'defaults: 3 minutes, the seed given');
  t.match(parseSoakArgs(['--minutes', '0'], 1), /positive/);
  t.match(parseSoakArgs(['--seed', '1.5'], 1), /non-negative integer/);
  t.match(parseSoakArgs(['--kinds', 'sigkill,bogus'], 1), /bogus/);
  t.same((parseSoakArgs(['--kinds', 'loss,reload', '--rogue'], 1) as SoakOptions).kinds, ['loss', 'reload']);
  t.match(parseSoakArgs(['--frobnicate'], 1), /Unknown option/);
  t.equal((parseSoakArgs(['--log-level', 'debug'], 1) as SoakOptions).logLevel, 'debug');
  t.match(parseSoakArgs(['--log-level', 'trace'], 1), /--log-level takes info or debug/);
});
