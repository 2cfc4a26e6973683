// The daemon's logger on a real stdout (a socket pair, as the journal's stream is): lines are
// flushed at exit and on an uncaught exception; a stdout nobody reads does not block the event
// loop, does not hold up exit, and costs bounded memory, the lines beyond the bound counted in
// a warning once stdout takes lines again. The child is test/helpers/log-child.ts.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { MAX_PENDING_LOG_BYTES } from '../../src/runtime/log-output.js';

const CHILD = fileURLToPath(new URL('../helpers/log-child.js', import.meta.url));
/** Far more than the socket's buffer and MAX_PENDING_LOG_BYTES together (~200 bytes a line). */
const FLOOD = 20_000;

interface Run {
  readonly child: ChildProcess;
  /** Starts reading stdout (a test that stalls it calls this late, or never). */
  read(): void;
  readonly stdout: () => string;
  readonly stderr: () => string;
  /** Exit code, or 'hung' when the child is still running after `ms` (it is then killed). */
  exited(ms: number): Promise<number | null | 'hung'>;
}

function run(mode: string, lines: number, options: { read: boolean }): Run {
  const child = spawn(process.execPath, [CHILD, mode, String(lines)], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const read = (): void => {
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  };
  if (options.read) read();
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    read,
    stdout: () => stdout,
    stderr: () => stderr,
    exited: async (ms) => {
      let timer: NodeJS.Timeout | undefined;
      const outcome = await Promise.race([exit, new Promise<'hung'>((resolve) => (timer = setTimeout(() => resolve('hung'), ms)))]);
      clearTimeout(timer);
      if (outcome === 'hung') child.kill('SIGKILL');
      return outcome;
    },
  };
}

function parsed(text: string): Array<Record<string, unknown>> {
  return text
    .split('\n')
    .filter((line) => line.startsWith('{') && line.endsWith('}'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

async function waitFor<T>(probe: () => T | undefined, ms: number): Promise<T | undefined> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== undefined || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

t.test('every line reaches stdout before process.exit, with the exit status', async (t) => {
  const child = run('exit', 50, { read: true });
  t.equal(await child.exited(5000), 3);
  t.same(parsed(child.stdout()).map((line) => line.seq), [...Array(50).keys()]);
});

t.test('every line reaches stdout when an uncaught exception ends the process', async (t) => {
  const child = run('throw', 50, { read: true });
  const code = await child.exited(5000);
  t.not(code, 0);
  t.not(code, 'hung');
  t.match(child.stderr(), /Error: bug/);
  t.same(parsed(child.stdout()).map((line) => line.seq), [...Array(50).keys()]);
});

t.test('a stdout that nobody reads holds up neither exit nor an uncaught exception', async (t) => {
  const exiting = run('exit', FLOOD, { read: false });
  const throwing = run('throw', FLOOD, { read: false });
  t.equal(await exiting.exited(3000), 3, 'process.exit after flushLogs(): out within its 100 ms and a margin');
  const code = await throwing.exited(3000);
  t.not(code, 'hung', 'the uncaught exception ends the process');
  t.not(code, 0);
});

t.test('a stalled stdout: timers run, memory is bounded, the lines beyond are counted in one warning', async (t) => {
  const child = run('report', FLOOD, { read: false });
  t.teardown(() => child.child.kill('SIGKILL'));
  const report = await waitFor(() => parsed(child.stderr())[0] as { logged: number; timerLateMs: number; pending: number } | undefined, 5000);
  t.ok(report, 'the event loop ran: a timer fired while stdout was full (a synchronous logger blocks here for ever)');
  if (report === undefined) return;
  t.ok(report.timerLateMs < 500, `the 20 ms timer fired ${report.timerLateMs} ms late`);
  t.ok(report.pending > 0 && report.pending <= MAX_PENDING_LOG_BYTES, `${report.pending} bytes wait for stdout, at most ${MAX_PENDING_LOG_BYTES}`);

  child.read();
  child.child.stdin?.write('flush\n');
  t.equal(await child.exited(10_000), 0);
  const lines = parsed(child.stdout());
  const kept = lines.filter((line) => line.msg === 'burst').map((line) => line.seq);
  const notes = lines.filter((line) => line.droppedLines !== undefined);
  t.equal(notes.length, 1, 'one warning for the stall');
  t.equal(notes[0]?.level, 'warn');
  const dropped = Number(notes[0]?.droppedLines);
  t.ok(dropped > 0, `${dropped} lines dropped`);
  t.equal(kept.length + dropped, FLOOD, 'every line is either written or counted');
  t.same(kept, [...Array(kept.length).keys()], 'the lines written are the first ones, in order, none lost silently');
});
