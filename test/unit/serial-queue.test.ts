/** Reloads asked for while one runs are queued, not merged: each caller gets its own result. */

import t from 'tap';
import { SerialQueue } from '../../src/runtime/serial-queue.js';

t.test('jobs run one at a time, in order; each caller gets the result of its own job', async (t) => {
  const queue = new SerialQueue();
  let file = 'a';
  const log: string[] = [];
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  // A reload reads the file when its turn comes.
  const reload = (wait?: Promise<void>) => async () => {
    const read = file;
    log.push(`start ${read}`);
    if (wait !== undefined) await wait;
    log.push(`end ${read}`);
    return read;
  };
  const first = queue.run(reload(gate));
  file = 'b';
  const second = queue.run(reload());
  file = 'c';
  const third = queue.run(reload());
  t.equal(queue.size, 3);
  await new Promise(setImmediate);
  t.same(log, ['start a'], 'the others wait for the one running');
  release();
  t.same(await Promise.all([first, second, third]), ['a', 'c', 'c'], 'each got the reload that read the file in its turn; the last file is what runs');
  t.same(log, ['start a', 'end a', 'start c', 'end c', 'start c', 'end c'], 'never two at once');
  t.equal(queue.size, 0);
});

t.test('a failed job does not stop the ones behind it; idle() waits for all', async (t) => {
  const queue = new SerialQueue();
  const failed = queue.run(async () => {
    throw new Error('bad file');
  });
  const next = queue.run(async () => 'ok');
  await t.rejects(failed, /bad file/);
  t.equal(await next, 'ok');
  let idle = false;
  void queue.idle().then(() => (idle = true));
  await new Promise(setImmediate);
  t.ok(idle);
});
