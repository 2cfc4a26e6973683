// Real processes: check commands run without blocking the event loop, are killed with their
// whole process group at the timeout, and every way of not succeeding is a failure. Scripts are
// written to the test's own directory.
import { execFileSync } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { runProcess, succeeded, type ProcessOutcome } from '../../src/runtime/child-process.js';
import { Scheduler } from '../../src/runtime/scheduler.js';
import { InstanceHealth, type HealthState } from '../../src/runtime/tracking/instance-health.js';
import { MAX_TRACKED_FILE_BYTES, readTrackedFile, runCheckCommand } from '../../src/runtime/tracking/ports.js';
import { memoryLogger } from '../helpers/fake-ports.js';

/** Writes an executable `#!/bin/sh` script and returns its path. */
function script(dir: string, name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

/** Counts the ticks of a 10 ms interval and the longest gap between two: is the loop free? */
function loopWatch(): { stop(): { ticks: number; maxGapMs: number } } {
  let ticks = 0;
  let last = performance.now();
  let maxGapMs = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    maxGapMs = Math.max(maxGapMs, now - last);
    last = now;
    ticks++;
  }, 10);
  return {
    stop() {
      clearInterval(timer);
      return { ticks, maxGapMs };
    },
  };
}

/** True when the process is gone (or a zombie nobody reaps: it runs no more either way). */
function notRunning(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z') ?? true;
  } catch {
    return true;
  }
}

const waitFor = async (condition: () => boolean, ms: number): Promise<boolean> => {
  const until = performance.now() + ms;
  while (!condition() && performance.now() < until) await new Promise((resolve) => setTimeout(resolve, 10));
  return condition();
};

t.test('exit 0 succeeds; exit status, signal and output are reported', async (t) => {
  const dir = t.testdir();
  const ok = await runCheckCommand([script(dir, 'ok.sh', 'echo fine'), 'x'], { timeoutMs: 5000, signal: new AbortController().signal });
  t.same(ok, { outcome: { kind: 'exit', code: 0 }, output: 'fine' });
  const fail = await runCheckCommand([script(dir, 'fail.sh', 'echo "first"\necho "no backend" >&2\nexit 3')], { timeoutMs: 5000, signal: new AbortController().signal });
  t.same(fail.outcome, { kind: 'exit', code: 3 });
  t.notOk(succeeded(fail.outcome));
  t.match(fail.output, /first/);
  t.match(fail.output, /no backend/);
  const killed = await runProcess([script(dir, 'self-kill.sh', 'kill -TERM $$')], { timeoutMs: 5000 });
  t.same(killed, { kind: 'signal', signal: 'SIGTERM' });
  t.notOk(succeeded(killed));
});

t.test('arguments are passed as they are, without a shell', async (t) => {
  const dir = t.testdir();
  const out = join(dir, 'args');
  const argv = [script(dir, 'args.sh', `for a in "$@"; do printf '%s|' "$a" >> ${out}; done`), 'a b', '$HOME', '*', ''];
  t.ok(succeeded(await runProcess(argv, { timeoutMs: 5000 })));
  t.equal(readFileSync(out, 'utf8'), 'a b|$HOME|*||');
});

t.test('a slow script is killed at its timeout, with its children, and the loop keeps turning', async (t) => {
  const dir = t.testdir();
  const pidFile = join(dir, 'sleep.pid');
  // The sleep runs as the shell's child: killing only the shell would leave it holding the pipes.
  const slow = script(dir, 'slow.sh', `echo starting\nsleep 5 &\necho $! > ${pidFile}\nwait`);
  const watch = loopWatch();
  const started = performance.now();
  const result = await runCheckCommand([slow], { timeoutMs: 200, signal: new AbortController().signal });
  const elapsed = performance.now() - started;
  const loop = watch.stop();
  t.same(result.outcome, { kind: 'timeout', timeoutMs: 200 });
  t.notOk(succeeded(result.outcome), 'a timeout is a failure');
  t.equal(result.output, 'starting');
  t.ok(elapsed >= 190 && elapsed < 1000, `counted as failed after ${elapsed.toFixed(0)} ms`);
  t.ok(loop.ticks >= elapsed / 10 / 3, `a 10 ms interval ticked ${loop.ticks} times meanwhile`);
  t.ok(loop.maxGapMs < 100, `longest pause of the event loop: ${loop.maxGapMs.toFixed(1)} ms`);
  const sleepPid = Number(readFileSync(pidFile, 'utf8'));
  t.ok(await waitFor(() => notRunning(sleepPid), 1000), 'the script\'s child was killed with it');
});

t.test('a program that cannot start is a failure: missing, not executable, not a program', async (t) => {
  const dir = t.testdir({ 'not-executable.sh': '#!/bin/sh\nexit 0\n' });
  const cases: Array<[string, string]> = [
    [join(dir, 'missing'), 'ENOENT'],
    [join(dir, 'not-executable.sh'), 'EACCES'],
    [dir, 'EACCES'],
  ];
  for (const [program, code] of cases) {
    const result = await runCheckCommand([program], { timeoutMs: 1000, signal: new AbortController().signal });
    t.match(result.outcome, { kind: 'spawn-error', code }, program);
    t.notOk(succeeded(result.outcome));
  }
  const nul = await runProcess(['/bin/true', 'a\u0000b'], { timeoutMs: 1000 });
  t.match(nul, { kind: 'spawn-error' }, 'an argument Node refuses is an outcome, not an exception');
  t.match(await runProcess([], { timeoutMs: 1000 }), { kind: 'spawn-error', code: 'EINVAL' });
});

t.test('an abort kills the program and says so', async (t) => {
  const controller = new AbortController();
  const started = performance.now();
  const running = runProcess(['/bin/sleep', '5'], { timeoutMs: 10_000, signal: controller.signal });
  setTimeout(() => controller.abort(), 50);
  t.same(await running, { kind: 'aborted' });
  t.ok(performance.now() - started < 1000);
  t.same(await runProcess(['/bin/true'], { timeoutMs: 1000, signal: controller.signal }), { kind: 'aborted' }, 'already aborted: not started');
});

t.test('settles at exit even when a background process keeps the output open', async (t) => {
  const dir = t.testdir();
  const pidFile = join(dir, 'bg.pid');
  const lines: string[] = [];
  const started = performance.now();
  const outcome: ProcessOutcome = await runProcess(
    [script(dir, 'bg.sh', `echo before\nsleep 3 &\necho $! > ${pidFile}\nexit 0`)],
    { timeoutMs: 5000, onLine: (_stream, line) => lines.push(line) },
  );
  t.same(outcome, { kind: 'exit', code: 0 });
  t.ok(performance.now() - started < 1000, 'did not wait for the background sleep');
  t.same(lines, ['before'], 'output written before the exit was delivered');
  process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGKILL');
});

t.test('InstanceHealth with real processes: a hung check turns the instance failed within a second', async (t) => {
  const dir = t.testdir();
  const slowFlag = join(dir, 'slow');
  const check = script(dir, 'check.sh', `if [ -e ${slowFlag} ]; then sleep 5; fi\nexit 0`);
  const { log } = memoryLogger();
  const changes: Array<{ health: HealthState; at: number }> = [];
  const health = new InstanceHealth(
    {
      interfaces: [],
      scripts: [{ name: 'web', command: [check], intervalMs: 300, timeoutMs: 200, rise: 1, fall: 1, weight: 0, initiallyHealthy: false }],
      files: [],
    },
    { scheduler: new Scheduler(), log, instance: 'web' },
    (state) => changes.push({ health: state, at: performance.now() }),
  );
  t.teardown(() => health.stop());
  health.start(new Map());
  t.same(health.current.faults, ['track-script:web'], 'failed until the first run proves otherwise');
  t.ok(await waitFor(() => changes.length === 1, 2000), 'healthy after the first run');
  t.same(health.current, { faults: [], priorityDelta: 0 });
  writeFileSync(slowFlag, '');
  const hung = performance.now();
  const watch = loopWatch();
  t.ok(await waitFor(() => changes.length === 2, 2000));
  const loop = watch.stop();
  t.same(changes[1]?.health, { faults: ['track-script:web'], priorityDelta: 0 });
  const after = (changes[1]?.at ?? Infinity) - hung;
  t.ok(after < 1000, `failed ${after.toFixed(0)} ms after the check started to hang`);
  t.ok(loop.maxGapMs < 100, `longest pause of the event loop: ${loop.maxGapMs.toFixed(1)} ms`);
});

t.test('InstanceHealth with real processes: a missing program keeps a weight-0 script failed', async (t) => {
  const dir = t.testdir();
  const { log, lines } = memoryLogger();
  const changes: HealthState[] = [];
  const health = new InstanceHealth(
    {
      interfaces: [],
      scripts: [{ name: 'gone', command: [join(dir, 'no-such-check')], intervalMs: 100, timeoutMs: 100, rise: 1, fall: 1, weight: 0, initiallyHealthy: false }],
      files: [],
    },
    { scheduler: new Scheduler(), log, instance: 'web' },
    (state) => changes.push(state),
  );
  health.start(new Map());
  t.ok(await waitFor(() => lines.some((l) => l['msg'] === 'track script failed'), 2000));
  await new Promise((resolve) => setTimeout(resolve, 300));
  health.stop();
  t.same(changes, [], 'never healthy');
  t.same(health.current.faults, ['track-script:gone']);
  t.match(lines.find((l) => l['msg'] === 'track script failed'), { track: 'track-script:gone', outcome: /ENOENT/ });
});

t.test('tracked files are read as text, at most MAX_TRACKED_FILE_BYTES', async (t) => {
  const dir = t.testdir({ value: '42\n', big: 'x'.repeat(MAX_TRACKED_FILE_BYTES + 1) });
  t.equal(await readTrackedFile(join(dir, 'value')), '42\n');
  await t.rejects(readTrackedFile(join(dir, 'big')), /longer than/);
  await t.rejects(readTrackedFile(join(dir, 'missing')), { code: 'ENOENT' });
  // A FIFO nobody writes to must not park a worker thread forever.
  const fifo = join(dir, 'fifo');
  execFileSync('mkfifo', [fifo]);
  t.equal(await readTrackedFile(fifo), '', 'read as empty at once (and so not a value)');
});

t.test('a program runs with no capabilities and descriptors 0-2 only', async (t) => {
  const dir = t.testdir();
  const out = join(dir, 'report');
  const report = script(dir, 'report.sh', `exec > ${out}\ngrep '^Cap' /proc/self/status\nls -l /proc/self/fd`);
  t.ok(succeeded(await runProcess([report], { timeoutMs: 5000 })));
  const text = readFileSync(out, 'utf8');
  for (const set of ['CapInh', 'CapPrm', 'CapEff', 'CapAmb']) t.match(text, new RegExp(`^${set}:\\s*0+$`, 'm'), `${set} is empty`);
  const fds = [...text.matchAll(/ (\d+) -> (.*)$/gm)].filter(([, , target]) => !/^\/proc\/\d+\/fd$/.test(target ?? '')).map(([, fd]) => Number(fd));
  t.strictSame(fds.sort((a, b) => a - b), [0, 1, 2]);
});
