// InstanceHealth on a hand-driven clock, with the check commands and file reads passed in:
// rise/fall over scheduled runs, weights, fault sources, no overlapping runs, failures of every
// kind, file values, and onChange called only when the sum changes.
import t from 'tap';
import type { ProcessOutcome } from '../../src/runtime/child-process.js';
import { Scheduler } from '../../src/runtime/scheduler.js';
import { FILE_READ_INTERVAL_MS, FILE_WARN_INTERVAL_MS } from '../../src/runtime/tracking/file-tracker.js';
import type { RunCommand } from '../../src/runtime/tracking/ports.js';
import { FakeTime } from '../helpers/fake-time.js';
import { ENOENT, EXIT_1, OK, scriptConfig, settle, setup, TIMEOUT, track } from '../helpers/health.js';

t.test('before any check has run: weight-0 scripts fault, links as given, onChange not called', async (t) => {
  const { health, changes } = setup(track({
    interfaces: [{ name: 'eth1', weight: 0 }, { name: 'eth2', weight: -10 }, { name: 'eth3', weight: 0 }],
    scripts: [scriptConfig('web'), scriptConfig('bonus', { weight: 20 }), scriptConfig('penalty', { weight: -5 })],
  }));
  health.start(new Map([['eth1', true], ['eth2', false]]));
  t.same(health.current, {
    faults: ['track-interface:eth3', 'track-script:web'],
    priorityDelta: -10 - 5,
  }, 'eth3 is not in the map: down; every script starts failed');
  t.same(changes, []);
});

t.test('a script is run at once, then every intervalMs, with its argv and timeout', async (t) => {
  const { health, runner, advance } = setup(track({ scripts: [scriptConfig('web')] }));
  health.start(new Map());
  await advance(1);
  t.equal(runner.count('/checks/web'), 1, 'the first run does not wait an interval');
  t.same(runner.calls[0]?.argv, ['/checks/web', '--arg']);
  t.equal(runner.calls[0]?.timeoutMs, 500);
  runner.finish('/checks/web', OK);
  await advance(1999);
  t.equal(runner.count('/checks/web'), 1);
  await advance(2001);
  t.equal(runner.count('/checks/web'), 2);
  runner.finish('/checks/web', OK);
  await advance(6001);
  t.equal(runner.count('/checks/web'), 3);
});

t.test('weight 0: the instance leaves Fault after `rise` successes, enters it after `fall` failures', async (t) => {
  const { health, runner, changes, advance, lines } = setup(track({ scripts: [scriptConfig('web', { rise: 2, fall: 3 })] }));
  health.start(new Map());
  const result = async (at: number, outcome: ProcessOutcome) => {
    await advance(at);
    runner.finish('/checks/web', outcome);
    await settle();
  };
  await result(1, OK);
  t.same(changes, [], 'one success is not enough with rise 2');
  await result(2001, OK);
  t.same(changes, [{ faults: [], priorityDelta: 0 }]);
  await result(4001, EXIT_1);
  await result(6001, EXIT_1);
  t.equal(changes.length, 1, 'two failures are not enough with fall 3');
  await result(8001, OK);
  await result(10001, EXIT_1);
  await result(12001, EXIT_1);
  t.equal(changes.length, 1, 'the success in between reset the count');
  await result(14001, EXIT_1);
  t.same(changes.at(-1), { faults: ['track-script:web'], priorityDelta: 0 });
  t.equal(changes.length, 2);
  const logged = lines.filter((l) => l['track'] === 'track-script:web' && l['health'] !== undefined && Number(l['level']) >= 30);
  t.same(logged.map((l) => l['health']), ['healthy', 'failed'], 'each change of state is logged once');
});

t.test('weights: > 0 added while healthy, < 0 added while failed', async (t) => {
  const { health, runner, changes, advance } = setup(track({
    scripts: [scriptConfig('bonus', { weight: 20 }), scriptConfig('penalty', { weight: -15 })],
  }));
  health.start(new Map());
  t.same(health.current, { faults: [], priorityDelta: -15 });
  await advance(1);
  runner.finish('/checks/bonus', OK);
  runner.finish('/checks/penalty', OK);
  await settle();
  t.same(health.current, { faults: [], priorityDelta: 20 });
  await advance(2001);
  runner.finish('/checks/bonus', EXIT_1);
  runner.finish('/checks/penalty', EXIT_1);
  await settle();
  t.same(health.current, { faults: [], priorityDelta: -15 });
  t.same(changes.map((c) => c.priorityDelta), [5, 20, 0, -15], 'each tracker change that moves the sum is reported');
});

t.test('a timeout, a program that cannot start, a signal, or a runner that rejects: all failures', async (t) => {
  const outcomes: ProcessOutcome[] = [TIMEOUT, ENOENT, { kind: 'signal', signal: 'SIGSEGV' }, { kind: 'exit', code: 2 }];
  for (const outcome of outcomes) {
    const { health, runner, advance, lines } = setup(track({ scripts: [scriptConfig('web', { weight: 10 })] }));
    health.start(new Map());
    await advance(1);
    runner.finish('/checks/web', OK);
    await advance(2001);
    t.equal(health.current.priorityDelta, 10);
    runner.finish('/checks/web', outcome, 'curl: (7) Failed to connect');
    await settle();
    t.equal(health.current.priorityDelta, 0, outcome.kind);
    const warning = lines.find((l) => l['msg'] === 'track script failed');
    t.match(warning, { track: 'track-script:web', health: 'failed', output: 'curl: (7) Failed to connect' });
  }
});

t.test('a runner that rejects (a bug in it) counts as a failed run, never a success', async (t) => {
  let calls = 0;
  const rejecting: RunCommand = async () => {
    calls++;
    throw new Error('runner bug');
  };
  const { health, advance } = setup(track({ scripts: [scriptConfig('web', { weight: -7 })] }), { runCommand: rejecting });
  health.start(new Map());
  await advance(1);
  await advance(2001);
  t.equal(calls, 2);
  t.same(health.current, { faults: [], priorityDelta: -7 });
});

t.test('the first failure is logged even though the state does not change', async (t) => {
  const { health, runner, advance, lines, changes } = setup(track({ scripts: [scriptConfig('web')] }));
  health.start(new Map());
  await advance(1);
  runner.finish('/checks/web', ENOENT);
  await settle();
  t.same(changes, []);
  t.match(lines.find((l) => l['msg'] === 'track script failed'), { level: 40, track: 'track-script:web', outcome: 'cannot start: spawn /opt/missing ENOENT' });
  await advance(2001);
  runner.finish('/checks/web', ENOENT);
  await settle();
  t.equal(lines.filter((l) => l['msg'] === 'track script failed').length, 1, 'later failures in the failed state are not warned again');
});

t.test('no overlapping runs: a tick while the script still runs is skipped', async (t) => {
  const { health, runner, advance, lines } = setup(track({ scripts: [scriptConfig('web', { weight: 5 })] }));
  health.start(new Map());
  await advance(1);
  await advance(2001);
  await advance(4001);
  t.equal(runner.count('/checks/web'), 1, 'still one run after two more intervals');
  t.equal(lines.filter((l) => l['msg'] === 'track script still running at its next interval: run skipped').length, 2);
  runner.finish('/checks/web', OK);
  await settle();
  t.equal(health.current.priorityDelta, 5);
  await advance(6001);
  t.equal(runner.count('/checks/web'), 2, 'the next tick runs it again');
});

t.test('interfaces: link events change the state; untracked names and repeats are ignored', async (t) => {
  const { health, changes } = setup(track({ interfaces: [{ name: 'eth1', weight: 0 }, { name: 'eth2', weight: -30 }] }));
  health.start(new Map([['eth1', true], ['eth2', true]]));
  t.same(health.current, { faults: [], priorityDelta: 0 });
  health.onLink('eth0', false);
  health.onLink('eth1', true);
  t.same(changes, []);
  health.onLink('eth2', false);
  health.onLink('eth1', false);
  health.onLink('eth1', false);
  health.onLink('eth2', true);
  health.onLink('eth1', true);
  t.same(changes, [
    { faults: [], priorityDelta: -30 },
    { faults: ['track-interface:eth1'], priorityDelta: -30 },
    { faults: ['track-interface:eth1'], priorityDelta: 0 },
    { faults: [], priorityDelta: 0 },
  ]);
});

t.test('files: value × weight, read every FILE_READ_INTERVAL_MS', async (t) => {
  const { health, files, changes, advance, lines } = setup(track({ files: [{ path: '/run/prio', weight: -2 }] }));
  files.contents.set('/run/prio', '5\n');
  health.start(new Map());
  t.same(health.current, { faults: [], priorityDelta: 0 }, 'unread: counts as 0');
  await advance(1);
  t.same(changes, [{ faults: [], priorityDelta: -10 }]);
  t.match(lines.find((l) => l['msg'] === 'tracked file value changed'), { track: 'track-file:/run/prio', value: 5, previous: null });
  files.contents.set('/run/prio', '-3');
  await advance(FILE_READ_INTERVAL_MS - 1);
  t.equal(changes.length, 1, 'not read again before the interval');
  await advance(FILE_READ_INTERVAL_MS + 1);
  t.same(changes.at(-1), { faults: [], priorityDelta: 6 });
  files.contents.set('/run/prio', '-3\n');
  await advance(2 * FILE_READ_INTERVAL_MS + 1);
  t.equal(changes.length, 2, 'the same value again is no change');
  t.equal(files.reads, 3);
});

t.test('files with weight 0: a non-zero value or no value is a fault', async (t) => {
  const { health, files, changes, advance } = setup(track({ files: [{ path: '/run/maint', weight: 0 }] }));
  health.start(new Map());
  t.same(health.current.faults, ['track-file:/run/maint'], 'unread is failed');
  files.contents.set('/run/maint', '0');
  await advance(1);
  t.same(changes, [{ faults: [], priorityDelta: 0 }]);
  files.contents.set('/run/maint', '1');
  await advance(1001);
  files.contents.set('/run/maint', '2');
  await advance(2001);
  t.same(changes, [{ faults: [], priorityDelta: 0 }, { faults: ['track-file:/run/maint'], priorityDelta: 0 }],
    '1 then 2: the tracker changed, the health did not, so onChange is not called again');
  files.contents.set('/run/maint', 'garbage');
  await advance(3001);
  t.equal(changes.length, 2);
  files.contents.delete('/run/maint');
  await advance(4001);
  t.equal(changes.length, 2, 'still a fault');
  files.contents.set('/run/maint', '0');
  await advance(5001);
  t.same(changes.at(-1), { faults: [], priorityDelta: 0 });
});

t.test('an unreadable or malformed file: counted as 0 (weight ≠ 0), warned once a minute', async (t) => {
  const { health, files, advance, lines, changes } = setup(track({ files: [{ path: '/run/prio', weight: 3 }] }));
  files.contents.set('/run/prio', '4');
  health.start(new Map());
  await advance(1);
  t.equal(health.current.priorityDelta, 12);
  files.contents.delete('/run/prio');
  await advance(1001);
  t.same(changes.at(-1), { faults: [], priorityDelta: 0 });
  for (let at = 2001; at <= FILE_WARN_INTERVAL_MS + 1; at += 1000) await advance(at);
  const warnings = () => lines.filter((l) => l['msg'] === 'tracked file has no integer value');
  t.equal(warnings().length, 1, 'one warning for a minute of failed reads');
  t.match(warnings()[0], { level: 40, track: 'track-file:/run/prio', reason: 'unreadable', detail: 'ENOENT', effect: 'counted as 0' });
  await advance(FILE_WARN_INTERVAL_MS + 1001);
  t.equal(warnings().length, 2);
  t.match(warnings()[1], { suppressed: 59 });
  files.contents.set('/run/prio', 'twelve');
  await advance(FILE_WARN_INTERVAL_MS + 2001);
  t.match(warnings()[2], { reason: 'not-an-integer' }, 'a different reason is its own warning');
  t.equal(health.current.priorityDelta, 0);
});

t.test('stop(): no deadline left, the run in flight is aborted and its result ignored', async (t) => {
  const { health, runner, advance, changes, scheduler, time } = setup(track({
    scripts: [scriptConfig('web')],
    files: [{ path: '/run/x', weight: 1 }],
  }));
  health.start(new Map());
  await advance(1);
  t.equal(scheduler.size, 2);
  health.stop();
  t.equal(scheduler.size, 0);
  t.equal(time.waiting, 0);
  t.equal(runner.calls[0]?.signal.aborted, true);
  runner.finish('/checks/web', OK);
  await advance(10_000);
  t.same(changes, []);
  t.equal(runner.calls.length, 1);
});

t.test('two instances share the scheduler: same script names, separate deadlines', async (t) => {
  const time = new FakeTime();
  const scheduler = new Scheduler(time, time);
  const a = setup(track({ scripts: [scriptConfig('web')] }), { instance: 'a', time, scheduler });
  const b = setup(track({ scripts: [scriptConfig('web')] }), { instance: 'b', time, scheduler });
  a.health.start(new Map());
  b.health.start(new Map());
  t.equal(scheduler.size, 2);
  t.ok(scheduler.has('a/track-script:web') && scheduler.has('b/track-script:web'));
  time.advanceTo(1);
  t.equal(a.runner.calls.length + b.runner.calls.length, 2);
  a.health.stop();
  b.health.stop();
});

t.test('initiallyHealthy: a script counts as healthy before it runs, and fails after `fall` failures', async (t) => {
  const { health, runner, changes, advance } = setup(track({
    scripts: [
      scriptConfig('web', { initiallyHealthy: true, fall: 2 }),
      scriptConfig('bonus', { weight: 20, initiallyHealthy: true }),
      scriptConfig('penalty', { weight: -5, initiallyHealthy: true }),
    ],
  }));
  health.start(new Map());
  t.same(health.current, { faults: [], priorityDelta: 20 }, 'no fault, the bonus and no penalty before any run');
  const fail = async (at: number) => {
    await advance(at);
    runner.finish('/checks/web', EXIT_1);
    await settle();
  };
  await fail(1);
  t.equal(health.current.faults.length, 0, 'one failure is not enough with fall 2');
  await fail(2001);
  t.same(health.current.faults, ['track-script:web'], 'the second failure makes it failed');
  t.equal(changes.length, 1);
});
