/**
 * Child process for test/unit/log-output.test.ts: the daemon's logger on a real stdout that the
 * test reads, or does not read (a stalled journal).
 *   node log-child.js <mode> <lines>
 * It logs <lines> info lines (about 200 bytes each) at once, then:
 *   exit    flushLogs(), then process.exit(3), as ipfailoverd does after runDaemon
 *   throw   throws: an uncaught exception
 *   report  writes one JSON line on stderr, { logged, timerLateMs, pending }: a 20 ms timer set
 *           after the burst, and how late it fired; then waits for "flush\n" on stdin, lets
 *           the logs drain (flushLogs with a long timeout) and exits 0
 */

import { createLogger, flushLogs } from '../../src/runtime/logger.js';
import { stdoutLogOutput } from '../../src/runtime/log-output.js';

const [mode = 'exit', countText = '10'] = process.argv.slice(2);
const count = Number(countText);
const log = createLogger('info', undefined, false);
const padding = 'x'.repeat(120);
for (let i = 0; i < count; i++) log.info({ seq: i, padding }, 'burst');

if (mode === 'exit') {
  await flushLogs();
  process.exit(3);
} else if (mode === 'throw') {
  setImmediate(() => {
    throw new Error('bug');
  });
} else {
  const armedAt = performance.now();
  setTimeout(() => {
    const timerLateMs = Math.round(performance.now() - armedAt - 20);
    process.stderr.write(`${JSON.stringify({ logged: count, timerLateMs, pending: stdoutLogOutput().pending })}\n`);
  }, 20);
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (text: string) => {
    if (!text.includes('flush')) return;
    void flushLogs(10_000).then(() => process.exit(0));
  });
}
