// The log output's queue against a journal that takes lines in pieces, refuses some writes
// (EAGAIN) and fails others (EIO): every line reaches it whole and in order, on the main thread.
import t from 'tap';
import { AsyncLogOutput } from '../../src/runtime/log-output.js';

t.test('partial writes, refusals and failures: every line arrives whole and in order', async (t) => {
  let calls = 0;
  let journal = '';
  const output = new AsyncLogOutput(-1, (_fd, data) => {
    calls++;
    if (calls % 3 === 0) return 0; // EAGAIN: the journal is behind
    if (calls % 7 === 0) throw Object.assign(new Error('EIO'), { code: 'EIO' });
    const taken = Math.min(5, data.length); // takes a few bytes at a time
    journal += data.subarray(0, taken).toString();
    return taken;
  });
  const lines = [...Array(40).keys()].map((i) => `{"seq":${i}}\n`);
  for (const line of lines) output.write(line);
  await output.flush(5000);
  t.equal(output.pending, 0, 'nothing left waiting');
  t.equal(journal, lines.join(''), 'whole and in order');
});

t.test('a journal that takes nothing: lines beyond the bound are dropped and counted, then reported', async (t) => {
  let open = false;
  let journal = '';
  const output = new AsyncLogOutput(-1, (_fd, data) => {
    if (!open) return 0;
    journal += data.toString();
    return data.length;
  });
  const reported: number[] = [];
  output.onDropped = (count) => {
    reported.push(count);
    output.write(`{"dropped":${count}}\n`);
  };
  const line = `{"filler":"${'z'.repeat(1000)}"}\n`;
  for (let i = 0; i < 2000; i++) output.write(line);
  t.ok(output.pending <= 1024 * 1024, `bounded: ${output.pending} bytes wait`);
  open = true;
  await output.flush(5000);
  t.equal(reported.length, 1, 'one report once the journal takes lines again');
  t.ok((reported[0] ?? 0) > 900, `${String(reported[0])} lines dropped`);
  t.match(journal, /\{"dropped":\d+\}\n$/, 'the report is the last line, after what waited');
});
