// InstanceHealth.reconfigure: a reload keeps each check whose identity did not change (its
// verdict and its schedule), retunes its settings in place, stops removed checks and starts new
// ones as at start-up; onChange only when the sum changed.
import t from 'tap';
import { EXIT_1, OK, scriptConfig, settle, setup, track } from '../helpers/health.js';

t.test('a healthy script stays healthy across a reload that adds a second check', async (t) => {
  const web = scriptConfig('web');
  const { health, runner, changes, advance, scheduler } = setup(track({ scripts: [web] }));
  health.start(new Map());
  await advance(1);
  runner.finish('/checks/web', OK);
  await settle();
  t.same(changes, [{ faults: [], priorityDelta: 0 }], 'healthy');
  const next = scheduler.deadline('web/track-script:web');
  t.type(next, 'number', 'web has its next run scheduled');
  health.reconfigure(track({ scripts: [web, scriptConfig('db', { weight: -10 })] }), new Map());
  t.same(health.current, { faults: [], priorityDelta: -10 }, 'web still healthy; db unproven counts its penalty');
  t.same(changes.at(-1), { faults: [], priorityDelta: -10 }, 'the new sum is reported');
  t.equal(changes.length, 2);
  t.equal(scheduler.deadline('web/track-script:web'), next, 'web keeps its schedule');
  await advance(2);
  t.equal(runner.count('/checks/db'), 1, 'the new check runs at once');
  t.equal(runner.count('/checks/web'), 1, 'web is not run again before its time');
  runner.finish('/checks/db', OK);
  await advance(2001);
  t.equal(runner.count('/checks/web'), 2);
  t.same(health.current, { faults: [], priorityDelta: 0 });
});

t.test('a changed command is a new check: it restarts unproven and the old run is aborted', async (t) => {
  const { health, runner, changes, advance } = setup(track({ scripts: [scriptConfig('web')] }));
  health.start(new Map());
  await advance(1);
  runner.finish('/checks/web', OK);
  await advance(2001);
  const inFlight = runner.calls.at(-1);
  t.equal(inFlight?.signal.aborted, false, 'a run of the old command is in flight');
  health.reconfigure(track({ scripts: [scriptConfig('web', { command: ['/checks/web-v2'] })] }), new Map());
  t.equal(inFlight?.signal.aborted, true);
  t.same(health.current, { faults: ['track-script:web'], priorityDelta: 0 }, 'unproven: failed');
  t.same(changes.at(-1), health.current);
  inFlight?.finish({ outcome: OK, output: '' });
  await advance(2002);
  t.same(health.current.faults, ['track-script:web'], 'the old command’s result does not count');
  t.equal(runner.count('/checks/web-v2'), 1, 'the new command runs at once');
  runner.finish('/checks/web-v2', OK);
  await settle();
  t.same(health.current, { faults: [], priorityDelta: 0 });
});

t.test('a new weight, interval, timeout or rise/fall keeps the verdict and applies at once', async (t) => {
  const { health, runner, changes, advance } = setup(track({ scripts: [scriptConfig('web')] }));
  health.start(new Map());
  await advance(1);
  runner.finish('/checks/web', OK);
  await settle();
  health.reconfigure(track({ scripts: [scriptConfig('web', { weight: 20, intervalMs: 5000, timeoutMs: 900, rise: 3, fall: 2 })] }), new Map());
  t.same(health.current, { faults: [], priorityDelta: 20 }, 'healthy, with its new weight');
  t.same(changes, [{ faults: [], priorityDelta: 0 }, { faults: [], priorityDelta: 20 }]);
  await advance(2001);
  t.equal(runner.count('/checks/web'), 1, 'the old interval no longer applies');
  await advance(5001);
  t.equal(runner.count('/checks/web'), 2, 'the new interval, counted from the last run');
  t.equal(runner.calls.at(-1)?.timeoutMs, 900);
  runner.finish('/checks/web', EXIT_1);
  await settle();
  t.equal(health.current.priorityDelta, 20, 'fall 2: one failure is not enough');
});

t.test('a shorter interval does not wait out the longer one', async (t) => {
  const { health, runner, advance } = setup(track({ scripts: [scriptConfig('web', { intervalMs: 60_000 })] }));
  health.start(new Map());
  await advance(1);
  runner.finish('/checks/web', OK);
  await advance(100);
  health.reconfigure(track({ scripts: [scriptConfig('web', { intervalMs: 1000 })] }), new Map());
  await advance(1001);
  t.equal(runner.count('/checks/web'), 2, 'next run one new interval after the last');
});

t.test('a removed check stops: no deadline, its run aborted, its part of the sum gone', async (t) => {
  const web = scriptConfig('web');
  const { health, runner, changes, advance, scheduler } = setup(track({ scripts: [web, scriptConfig('db')] }));
  health.start(new Map());
  await advance(1);
  runner.finish('/checks/web', OK);
  await settle();
  t.same(health.current.faults, ['track-script:db'], 'db has not succeeded');
  const dbRun = runner.calls.find((c) => c.argv[0] === '/checks/db');
  health.reconfigure(track({ scripts: [web] }), new Map());
  t.equal(scheduler.has('web/track-script:db'), false);
  t.equal(dbRun?.signal.aborted, true);
  t.same(changes.at(-1), { faults: [], priorityDelta: 0 });
  dbRun?.finish({ outcome: EXIT_1, output: '' });
  await advance(10_000);
  t.same(health.current, { faults: [], priorityDelta: 0 });
  t.equal(runner.count('/checks/db'), 1, 'never run again');
});

t.test('files and interfaces keep their values; new ones start as at start-up', async (t) => {
  const { health, files, changes, advance } = setup(track({
    interfaces: [{ name: 'eth1', weight: -30 }],
    files: [{ path: '/run/prio', weight: -2 }],
  }));
  files.contents.set('/run/prio', '5');
  health.start(new Map([['eth1', false]]));
  await advance(1);
  t.same(health.current, { faults: [], priorityDelta: -40 });
  const reads = files.reads;
  health.reconfigure(track({
    interfaces: [{ name: 'eth1', weight: -20 }, { name: 'eth2', weight: 0 }],
    files: [{ path: '/run/prio', weight: -3 }],
  }), new Map([['eth1', false], ['eth2', false]]));
  t.same(health.current, { faults: ['track-interface:eth2'], priorityDelta: -20 - 15 }, 'kept values, new weights; eth2 down from the map');
  t.equal(files.reads, reads, 'the new weight applies to the value read, without reading again');
  t.same(changes.at(-1), health.current);
  health.onLink('eth2', true);
  health.onLink('eth1', true);
  t.same(health.current, { faults: [], priorityDelta: -15 });
  health.reconfigure(track({ files: [{ path: '/run/prio', weight: -3 }] }), new Map());
  health.onLink('eth1', false);
  t.same(health.current, { faults: [], priorityDelta: -15 }, 'a removed interface no longer counts');
});

t.test('a reload with the same settings changes nothing', async (t) => {
  const config = track({ scripts: [scriptConfig('web')], files: [{ path: '/run/x', weight: 1 }], interfaces: [{ name: 'eth1', weight: 0 }] });
  const { health, runner, files, changes, advance, scheduler } = setup(config);
  files.contents.set('/run/x', '7');
  health.start(new Map([['eth1', true]]));
  await advance(1);
  runner.finish('/checks/web', OK);
  await settle();
  const before = { changes: changes.length, runs: runner.calls.length, reads: files.reads, web: scheduler.deadline('web/track-script:web'), file: scheduler.deadline('web/track-file:/run/x') };
  health.reconfigure(structuredClone(config), new Map([['eth1', true]]));
  await advance(2);
  t.same(
    { changes: changes.length, runs: runner.calls.length, reads: files.reads, web: scheduler.deadline('web/track-script:web'), file: scheduler.deadline('web/track-file:/run/x') },
    before,
  );
  t.same(health.current, { faults: [], priorityDelta: 7 });
});

t.test('a reload before start(): the new settings are what starts', async (t) => {
  const { health, runner, changes, advance } = setup(track({ scripts: [scriptConfig('web')] }));
  health.reconfigure(track({ scripts: [scriptConfig('db', { weight: 5 })] }), new Map());
  t.same(changes, [], 'not running: nothing reported');
  health.start(new Map());
  await advance(1);
  t.equal(runner.count('/checks/web'), 0);
  t.equal(runner.count('/checks/db'), 1);
});
