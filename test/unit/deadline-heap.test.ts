/** The scheduler's heap against a plain sorted list, on seeded random operations. */

import t from 'tap';
import { DeadlineHeap } from '../../src/runtime/deadline-heap.js';
import { Scheduler } from '../../src/runtime/scheduler.js';
import { FakeTime } from '../helpers/fake-time.js';

function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

t.test('pops in (at, seq) order and skips dead entries', async (t) => {
  const dead = new Set<number>();
  const heap = new DeadlineHeap<{ at: number; seq: number }>((e) => !dead.has(e.seq));
  const random = prng(42);
  const all = Array.from({ length: 500 }, (_, seq) => ({ at: Math.floor(random() * 100), seq }));
  for (const entry of all) heap.push(entry);
  for (const entry of all) if (random() < 0.3) dead.add(entry.seq);
  const expected = all.filter((e) => !dead.has(e.seq)).sort((a, b) => a.at - b.at || a.seq - b.seq);
  const got: number[] = [];
  for (let top = heap.peek(); top !== undefined; top = heap.peek()) got.push(heap.pop()!.seq);
  t.same(got, expected.map((e) => e.seq));
});

t.test('the scheduler fires exactly what a naive model of its deadlines would, and never early', async (t) => {
  for (const seed of [1, 2, 3, 4, 5]) {
    const random = prng(seed);
    const time = new FakeTime();
    const scheduler = new Scheduler(time, time);
    const model = new Map<string, { at: number; seq: number }>();
    let fired: string[] = [];
    const early: string[] = [];
    const phases: Array<{ got: string[]; want: string[] }> = [];
    let seq = 0;
    for (let step = 0; step < 400; step++) {
      const key = `k${Math.floor(random() * 40)}`;
      const roll = random();
      if (roll < 0.6) {
        const at = Math.ceil(time.now()) + Math.floor(random() * 50);
        const precise = random() < 0.3;
        scheduler.schedule(key, at, (now) => {
          if (now < at) early.push(key);
          fired.push(key);
        }, precise);
        model.set(key, { at, seq: seq++ });
      } else if (roll < 0.75) {
        scheduler.cancel(key);
        model.delete(key);
      } else {
        // Past the spin window too, so that a precise deadline due by then has fired.
        const to = Math.ceil(time.now()) + Math.floor(random() * 20) + 3;
        // Deadlines fall on whole milliseconds; time goes a hair past `to`, since a
        // precise deadline is approached in loop turns of 0.01 ms (manual-time.ts).
        const until = to + 0.25;
        const want = [...model.entries()].filter(([, v]) => v.at <= to).map(([k]) => k);
        for (const k of want) model.delete(k);
        fired = [];
        time.advanceTo(until);
        phases.push({ got: [...fired].sort(), want: want.sort() });
      }
    }
    t.same(phases.map((p) => p.got), phases.map((p) => p.want), `seed ${seed}: the same deadlines fired at each step`);
    t.same(early, [], `seed ${seed}: none early`);
    t.equal(scheduler.size, model.size, `seed ${seed}: the same left`);
  }
});
