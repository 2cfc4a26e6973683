// The pure rules of health tracking: what each tracker's status adds up to (keepalived's
// weights), rise/fall counting, and what a tracked file's text means.
import t from 'tap';
import { parseFileValue } from '../../src/runtime/tracking/file-value.js';
import { combineHealth, effectivePriority, HEALTHY, sameHealth, type TrackerStatus } from '../../src/runtime/tracking/health-state.js';
import { countResult, UNPROVEN, type RiseFallLimits, type RiseFallState } from '../../src/runtime/tracking/rise-fall.js';

const iface = (name: string, weight: number, up: boolean): TrackerStatus => ({ kind: 'interface', name, weight, up });
const script = (name: string, weight: number, healthy: boolean): TrackerStatus => ({ kind: 'script', name, weight, healthy });
const file = (path: string, weight: number, value: number | undefined): TrackerStatus => ({ kind: 'file', path, weight, value });

t.test('nothing tracked: healthy, no change of priority', async (t) => {
  t.same(combineHealth([]), HEALTHY);
});

t.test('interfaces: weight 0 faults while down, any other weight is added while down', async (t) => {
  const table: Array<[TrackerStatus, string[], number]> = [
    [iface('eth1', 0, true), [], 0],
    [iface('eth1', 0, false), ['track-interface:eth1'], 0],
    [iface('eth1', -20, true), [], 0],
    [iface('eth1', -20, false), [], -20],
    [iface('eth1', 5, false), [], 5],
  ];
  for (const [status, faults, delta] of table) t.same(combineHealth([status]), { faults, priorityDelta: delta }, JSON.stringify(status));
});

t.test('scripts: weight 0 faults while failed, > 0 is added while healthy, < 0 while failed', async (t) => {
  const table: Array<[TrackerStatus, string[], number]> = [
    [script('web', 0, true), [], 0],
    [script('web', 0, false), ['track-script:web'], 0],
    [script('web', 10, true), [], 10],
    [script('web', 10, false), [], 0],
    [script('web', -10, true), [], 0],
    [script('web', -10, false), [], -10],
  ];
  for (const [status, faults, delta] of table) t.same(combineHealth([status]), { faults, priorityDelta: delta }, JSON.stringify(status));
});

t.test('files: value × weight; with weight 0 anything but 0 faults; no value counts as failed', async (t) => {
  const table: Array<[TrackerStatus, string[], number]> = [
    [file('/run/x', 1, 0), [], 0],
    [file('/run/x', 1, -30), [], -30],
    [file('/run/x', -2, 5), [], -10],
    [file('/run/x', 3, 4), [], 12],
    [file('/run/x', 3, undefined), [], 0],
    [file('/run/x', 0, 0), [], 0],
    [file('/run/x', 0, 1), ['track-file:/run/x'], 0],
    [file('/run/x', 0, -1), ['track-file:/run/x'], 0],
    [file('/run/x', 0, undefined), ['track-file:/run/x'], 0],
  ];
  for (const [status, faults, delta] of table) t.same(combineHealth([status]), { faults, priorityDelta: delta }, JSON.stringify(status));
});

t.test('several trackers: faults in the order given, deltas summed', async (t) => {
  const health = combineHealth([
    iface('eth1', 0, false),
    iface('eth2', -5, false),
    script('web', 0, false),
    script('db', 20, true),
    script('cache', -3, false),
    file('/run/x', 0, 2),
    file('/run/y', 2, 4),
  ]);
  t.same(health, { faults: ['track-interface:eth1', 'track-script:web', 'track-file:/run/x'], priorityDelta: -5 + 20 - 3 + 8 });
});

t.test('sameHealth compares the fault list and the delta', async (t) => {
  t.ok(sameHealth({ faults: ['a', 'b'], priorityDelta: 3 }, { faults: ['a', 'b'], priorityDelta: 3 }));
  t.notOk(sameHealth({ faults: ['a', 'b'], priorityDelta: 3 }, { faults: ['a', 'b'], priorityDelta: 4 }));
  t.notOk(sameHealth({ faults: ['a'], priorityDelta: 0 }, { faults: ['a', 'b'], priorityDelta: 0 }));
  t.notOk(sameHealth({ faults: ['a', 'b'], priorityDelta: 0 }, { faults: ['b', 'a'], priorityDelta: 0 }));
});

t.test('the effective priority stays within 1..254', async (t) => {
  const delta = (priorityDelta: number) => ({ faults: [], priorityDelta });
  t.equal(effectivePriority(100, delta(0)), 100);
  t.equal(effectivePriority(100, delta(-30)), 70);
  t.equal(effectivePriority(100, delta(50)), 150);
  t.equal(effectivePriority(100, delta(-99)), 1);
  t.equal(effectivePriority(100, delta(-500)), 1, 'never 0: that would say "master giving up"');
  t.equal(effectivePriority(200, delta(100)), 254, 'never 255: that is the address owner');
  t.equal(effectivePriority(255, delta(0)), 255, 'an owner (which tracks nothing) keeps 255');
});

/** Feeds results (1 = success, 0 = failure) and returns `healthy` after each. */
function run(limits: RiseFallLimits, results: string, from: RiseFallState = UNPROVEN): string {
  let state = from;
  let out = '';
  for (const r of results) {
    state = countResult(state, r === '1', limits);
    out += state.healthy ? 'H' : 'F';
  }
  return out;
}

t.test('rise/fall 1/1: each result decides', async (t) => {
  t.equal(run({ rise: 1, fall: 1 }, '1010011'), 'HFHFFHH');
});

t.test('a script starts failed and needs `rise` successes in a row', async (t) => {
  t.same(UNPROVEN, { healthy: false, streak: 0 });
  t.equal(run({ rise: 3, fall: 1 }, '111'), 'FFH');
  t.equal(run({ rise: 3, fall: 1 }, '1101110'), 'FFFFFHF', 'a failure resets the count of successes');
});

t.test('a healthy script needs `fall` failures in a row', async (t) => {
  const healthy = { healthy: true, streak: 0 };
  t.equal(run({ rise: 1, fall: 3 }, '000', healthy), 'HHF');
  t.equal(run({ rise: 1, fall: 3 }, '0010001', healthy), 'HHHHHFH', 'a success resets the count of failures');
  t.equal(run({ rise: 2, fall: 2 }, '0011', healthy), 'HFFH');
});

t.test('the streak counts results that disagree with the state', async (t) => {
  let state = countResult(UNPROVEN, true, { rise: 3, fall: 1 });
  t.same(state, { healthy: false, streak: 1 });
  state = countResult(state, false, { rise: 3, fall: 1 });
  t.same(state, { healthy: false, streak: 0 });
});

t.test('a tracked file holds one integer', async (t) => {
  const table: Array<[string, ReturnType<typeof parseFileValue>]> = [
    ['0', { ok: true, value: 0 }],
    ['5\n', { ok: true, value: 5 }],
    ['  -42 \r\n', { ok: true, value: -42 }],
    ['+7', { ok: true, value: 7 }],
    ['-0', { ok: true, value: 0 }],
    ['', { ok: false, reason: 'empty' }],
    [' \n', { ok: false, reason: 'empty' }],
    ['1.5', { ok: false, reason: 'not-an-integer' }],
    ['12abc', { ok: false, reason: 'not-an-integer' }],
    ['1 2', { ok: false, reason: 'not-an-integer' }],
    ['0x10', { ok: false, reason: 'not-an-integer' }],
    ['up', { ok: false, reason: 'not-an-integer' }],
    ['99999999999999999999', { ok: false, reason: 'out-of-range' }],
  ];
  for (const [text, expected] of table) t.same(parseFileValue(text), expected, JSON.stringify(text));
  const negativeZero = parseFileValue('-0');
  t.ok(negativeZero.ok && Object.is(negativeZero.value, 0), '-0 reads as 0');
});
