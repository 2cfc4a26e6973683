// Notify hooks: in order and one at a time per instance, nothing dropped, arguments and
// environment as documented, output and exit logged, a hung hook killed at its timeout without
// holding up the next. Real processes (scripts in the test's directory), plus a queue test with
// an injected spawn that needs no processes.
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import type { NotifyHookConfig } from '../../src/config/types.js';
import type { ProcessOptions, ProcessOutcome, RunProcess } from '../../src/runtime/child-process.js';
import { hookInvocation, NotifyHooks, type NotifyEvent, type NotifyState } from '../../src/runtime/notify-hooks.js';
import { memoryLogger } from '../helpers/fake-ports.js';

function script(dir: string, name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

const event = (state: NotifyState, overrides: Partial<NotifyEvent> = {}): NotifyEvent => ({
  instance: 'web',
  vrid: 51,
  state,
  previous: 'BACKUP',
  priority: 100,
  reason: 'master-down-timer',
  ...overrides,
});

/** Lines of a file the hooks append to. */
const linesOf = (path: string): string[] => readFileSync(path, 'utf8').trim().split('\n');

t.test('the argv and environment of a hook', async (t) => {
  const hook = { command: ['/usr/local/bin/on-change', '--verbose'], timeoutMs: 1000 };
  const { argv, env } = hookInvocation(hook, event('MASTER', { priority: 90, previous: 'INIT', reason: 'startup' }), { PATH: '/bin', HOME: '/root' });
  t.same(argv, ['/usr/local/bin/on-change', '--verbose', 'web', 'MASTER', '90']);
  t.same(env, {
    PATH: '/bin',
    HOME: '/root',
    IPFAILOVERD_INSTANCE: 'web',
    IPFAILOVERD_VRID: '51',
    IPFAILOVERD_STATE: 'MASTER',
    IPFAILOVERD_PREVIOUS_STATE: 'INIT',
    IPFAILOVERD_PRIORITY: '90',
    IPFAILOVERD_REASON: 'startup',
  });
});

t.test('hooks run in order, one at a time; transitions queue and none is dropped', async (t) => {
  const dir = t.testdir();
  const record = join(dir, 'record');
  // Each hook logs its start and end with a nanosecond timestamp, and takes 100 ms in between.
  const body = (name: string) => `echo "${name} start $2 $(date +%s%N)" >> ${record}\nsleep 0.1\necho "${name} end $2 $(date +%s%N)" >> ${record}`;
  const hooks: NotifyHookConfig[] = [
    { command: [script(dir, 'first.sh', body('first'))], timeoutMs: 5000 },
    { command: [script(dir, 'second.sh', body('second'))], timeoutMs: 5000 },
  ];
  const { log } = memoryLogger();
  const notify = new NotifyHooks(hooks, log);
  const started = performance.now();
  for (const state of ['BACKUP', 'MASTER', 'FAULT'] as const) notify.run(event(state));
  t.ok(performance.now() - started < 50, 'run() returns at once');
  await notify.idle();
  const lines = linesOf(record);
  t.same(lines.map((l) => l.split(' ').slice(0, 3).join(' ')), [
    'first start BACKUP', 'first end BACKUP', 'second start BACKUP', 'second end BACKUP',
    'first start MASTER', 'first end MASTER', 'second start MASTER', 'second end MASTER',
    'first start FAULT', 'first end FAULT', 'second start FAULT', 'second end FAULT',
  ]);
  const stamps = lines.map((l) => BigInt(l.split(' ')[3] ?? '0'));
  t.ok(stamps.every((s, i) => i === 0 || s >= (stamps[i - 1] ?? 0n)), 'no hook started before the previous one ended');
});

t.test('a hook gets the instance, state and priority as arguments and IPFAILOVERD_* in its environment', async (t) => {
  const dir = t.testdir();
  const out = join(dir, 'out');
  const hook = script(dir, 'env.sh', [
    `echo "args=$*" >> ${out}`,
    `echo "instance=$IPFAILOVERD_INSTANCE vrid=$IPFAILOVERD_VRID state=$IPFAILOVERD_STATE" >> ${out}`,
    `echo "previous=$IPFAILOVERD_PREVIOUS_STATE priority=$IPFAILOVERD_PRIORITY reason=$IPFAILOVERD_REASON" >> ${out}`,
    `echo "inherited=$IPFAILOVERD_TEST_INHERITED" >> ${out}`,
  ].join('\n'));
  process.env['IPFAILOVERD_TEST_INHERITED'] = 'yes';
  t.teardown(() => delete process.env['IPFAILOVERD_TEST_INHERITED']);
  const notify = new NotifyHooks([{ command: [hook, 'fixed arg'], timeoutMs: 5000 }], memoryLogger().log);
  notify.run(event('MASTER', { priority: 254, reason: 'preempt' }));
  await notify.idle();
  t.same(linesOf(out), [
    'args=fixed arg web MASTER 254',
    'instance=web vrid=51 state=MASTER',
    'previous=BACKUP priority=254 reason=preempt',
    'inherited=yes',
  ]);
});

t.test('a hung hook is killed at its timeout and the next one still runs', async (t) => {
  const dir = t.testdir();
  const record = join(dir, 'record');
  const hooks: NotifyHookConfig[] = [
    { command: [script(dir, 'hung.sh', `echo hung >> ${record}\nsleep 5\necho woke >> ${record}`)], timeoutMs: 200 },
    { command: [script(dir, 'next.sh', `echo next >> ${record}`)], timeoutMs: 5000 },
  ];
  const { log, lines } = memoryLogger();
  const notify = new NotifyHooks(hooks, log);
  const started = performance.now();
  notify.run(event('MASTER'));
  await notify.idle();
  const elapsed = performance.now() - started;
  t.ok(elapsed < 2000, `both done after ${elapsed.toFixed(0)} ms`);
  t.same(linesOf(record), ['hung', 'next']);
  t.match(lines.find((l) => l['msg'] === 'notify hook timed out and was killed'), {
    level: 40,
    hook: hooks[0]?.command[0],
    index: 0,
    outcome: 'timed out after 200 ms (killed)',
  });
  t.match(lines.find((l) => l['msg'] === 'notify hook finished'), { level: 30, hook: hooks[1]?.command[0], index: 1, outcome: 'exit 0' });
});

t.test('output is logged line by line (stdout info, stderr warn), then how the hook ended', async (t) => {
  const dir = t.testdir();
  const hook = script(dir, 'talk.sh', 'echo "line one"\necho "line two"\necho "trouble" >&2\nexit 4');
  const missing = join(dir, 'missing.sh');
  const { log, lines } = memoryLogger();
  const notify = new NotifyHooks([{ command: [hook], timeoutMs: 5000 }, { command: [missing], timeoutMs: 5000 }], log);
  notify.run(event('BACKUP'));
  await notify.idle();
  const output = lines.filter((l) => l['msg'] === 'notify hook output');
  t.same(output.map((l) => [l['level'], l['stream'], l['line'], l['hook']]), [
    [30, 'stdout', 'line one', hook],
    [30, 'stdout', 'line two', hook],
    [40, 'stderr', 'trouble', hook],
  ]);
  const ends = lines.filter((l) => l['msg'] === 'notify hook failed');
  t.match(ends[0], { level: 40, hook, outcome: 'exit 4', state: 'BACKUP' });
  t.match(ends[1], { level: 40, hook: missing, outcome: /cannot start: .*ENOENT/ }, 'a missing hook is logged, not thrown');
});

t.test('instances have separate queues: one instance\'s slow hook does not delay another\'s', async (t) => {
  const dir = t.testdir();
  const record = join(dir, 'record');
  const hook = script(dir, 'slow.sh', `echo "$1 start" >> ${record}\nsleep 0.3\necho "$1 end" >> ${record}`);
  const notify = new NotifyHooks([{ command: [hook], timeoutMs: 5000 }], memoryLogger().log);
  notify.run(event('MASTER', { instance: 'a' }));
  notify.run(event('MASTER', { instance: 'b' }));
  await notify.idle();
  const lines = linesOf(record);
  t.same(lines.slice(0, 2).sort(), ['a start', 'b start'], 'both started before either ended');
});

t.test('the queue with an injected spawn: strict order, each hook waits for the one before', async (t) => {
  const calls: Array<{ argv: readonly string[]; options: ProcessOptions; finish: (outcome: ProcessOutcome) => void }> = [];
  const spawn: RunProcess = (argv, options) => new Promise((finish) => calls.push({ argv, options, finish }));
  const { log } = memoryLogger();
  const notify = new NotifyHooks([{ command: ['/a'], timeoutMs: 300 }, { command: ['/b'], timeoutMs: 400 }], log, spawn);
  const settle = () => new Promise((resolve) => setImmediate(resolve));
  const states: NotifyState[] = ['BACKUP', 'MASTER', 'BACKUP', 'FAULT', 'INIT'];
  for (const state of states) notify.run(event(state));
  await settle();
  t.equal(calls.length, 1, 'one hook at a time');
  t.same(calls[0]?.argv, ['/a', 'web', 'BACKUP', '100']);
  t.equal(calls[0]?.options.timeoutMs, 300);
  let idle = false;
  void notify.idle().then(() => (idle = true));
  for (let i = 0; i < states.length * 2; i++) {
    calls[i]?.finish({ kind: 'exit', code: i % 3 });
    await settle();
  }
  t.same(
    calls.map((c) => `${c.argv[0]} ${c.argv[2]}`),
    states.flatMap((s) => [`/a ${s}`, `/b ${s}`]),
    'every transition, in order, every hook (failures do not stop the rest)',
  );
  t.ok(idle);
  notify.run(event('MASTER'));
  await settle();
  t.equal(calls.length, states.length * 2 + 1, 'a transition after idle starts at once');
  calls.at(-1)?.finish({ kind: 'exit', code: 0 });
  await settle();
  calls.at(-1)?.finish({ kind: 'exit', code: 0 });
  await notify.idle();
});

t.test('no hooks configured: run() does nothing and idle() is resolved', async (t) => {
  const notify = new NotifyHooks([], memoryLogger().log, () => {
    throw new Error('must not spawn');
  });
  notify.run(event('MASTER'));
  await notify.idle();
  t.pass();
});
