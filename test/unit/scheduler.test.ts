import t from 'tap';
import { Scheduler, SPIN_WINDOW_MS } from '../../src/runtime/scheduler.js';
import { FakeTime } from '../helpers/fake-time.js';

t.test('deadlines fire in order, with the time they ran', async (t) => {
  const time = new FakeTime();
  const scheduler = new Scheduler(time, time);
  const fired: Array<[string, number]> = [];
  scheduler.schedule('b', 20, (now) => fired.push(['b', now]));
  scheduler.schedule('a', 10, (now) => fired.push(['a', now]));
  scheduler.schedule('c', 30, (now) => fired.push(['c', now]));
  time.advanceTo(25);
  t.same(fired, [
    ['a', 10],
    ['b', 20],
  ]);
  time.advanceTo(100);
  t.same(fired.map(([k]) => k), ['a', 'b', 'c']);
  t.equal(scheduler.size, 0);
  t.equal(time.waiting, 0, 'no host timer left behind');
});

t.test('re-scheduling a key moves it; cancelling removes it', async (t) => {
  const time = new FakeTime();
  const scheduler = new Scheduler(time, time);
  const fired: string[] = [];
  scheduler.schedule('x', 10, () => fired.push('x@10'));
  scheduler.schedule('x', 50, () => fired.push('x@50'));
  scheduler.schedule('y', 20, () => fired.push('y'));
  scheduler.cancel('y');
  time.advanceTo(40);
  t.same(fired, []);
  time.advanceTo(60);
  t.same(fired, ['x@50']);
});

t.test('a callback may schedule again, also for a time already past', async (t) => {
  const time = new FakeTime();
  const scheduler = new Scheduler(time, time);
  const fired: number[] = [];
  const tick = (now: number): void => {
    fired.push(now);
    if (fired.length < 3) scheduler.schedule('tick', now + 10, tick);
  };
  scheduler.schedule('tick', 10, tick);
  time.advanceTo(100);
  t.same(fired, [10, 20, 30]);
});

t.test('a coarse deadline fires as late as the host timer; a precise one does not', async (t) => {
  const time = new FakeTime();
  time.lateness = 1.3; // a loaded event loop
  const scheduler = new Scheduler(time, time);
  let coarse = 0;
  let precise = 0;
  scheduler.schedule('coarse', 100, (now) => (coarse = now));
  scheduler.schedule('precise', 200, (now) => (precise = now), true);
  time.advanceTo(300);
  t.equal(coarse, 101.3, 'coarse: host lateness passes through');
  t.ok(precise >= 200, 'never early');
  t.ok(precise - 200 < 0.05, `precise lag ${(precise - 200).toFixed(3)} ms is one loop turn, not the host lateness`);
  t.ok(SPIN_WINDOW_MS > 1.3, 'the spin window covers the host lateness');
});

t.test('clear drops everything', async (t) => {
  const time = new FakeTime();
  const scheduler = new Scheduler(time, time);
  let fired = false;
  scheduler.schedule('a', 10, () => (fired = true));
  scheduler.clear();
  time.advanceTo(20);
  t.equal(fired, false);
  t.equal(time.waiting, 0);
});

t.test('a precise deadline just behind a coarse one keeps its precision', async (t) => {
  const time = new FakeTime();
  time.lateness = 1.3;
  const scheduler = new Scheduler(time, time);
  let precise = 0;
  scheduler.schedule('other/adver', 100, () => undefined);
  scheduler.schedule('web/activeDown', 100.5, (now) => (precise = now), true);
  time.advanceTo(200);
  t.ok(precise >= 100.5, 'never early');
  t.ok(precise - 100.5 < 0.05, `lag ${(precise - 100.5).toFixed(3)} ms, not the coarse timer's 1.3 ms`);
});

t.test('a callback that re-arms itself for now waits for the next turn: the loop never spins', async (t) => {
  const time = new FakeTime();
  const scheduler = new Scheduler(time, time);
  let fires = 0;
  let other = false;
  const again = (now: number): void => {
    fires++;
    scheduler.schedule('again', now, again); // at +0: a reloaded period of 0
  };
  scheduler.schedule('again', 10, again);
  scheduler.schedule('other', 10.005, () => (other = true));
  time.advanceTo(10.05);
  t.ok(fires >= 1 && fires <= 6, `fired ${fires} times in 0.05 ms of loop turns, not endlessly`);
  t.equal(other, true, 'other deadlines still run');
  scheduler.clear();
});

/** The FakeTime host, counting the host timers set. */
function countingHost(time: InstanceType<typeof FakeTime>) {
  const host = {
    armed: 0,
    after: (ms: number, callback: () => void) => {
      host.armed++;
      return time.after(ms, callback);
    },
    soon: (callback: () => void) => time.soon(callback),
  };
  return host;
}

t.test('a deadline moved later, again and again, keeps its host timer: a Backup resets its Active_Down_Timer on every packet', async (t) => {
  const time = new FakeTime();
  const host = countingHost(time);
  const scheduler = new Scheduler(time, host);
  const fired: number[] = [];
  for (let i = 0; i < 100; i++) {
    time.advanceTo(i * 10);
    scheduler.schedule('down', i * 10 + 361, (now) => fired.push(now));
  }
  t.ok(host.armed <= 5, `${host.armed} host timers for 100 moves`);
  time.advanceTo(990 + 360);
  t.same(fired, [], 'the early wakes fired nothing');
  time.advanceTo(990 + 361);
  t.same(fired, [990 + 361], 'fires at the last deadline, not an earlier one');
});

t.test('a deadline moved earlier than the host timer gets a new one in time', async (t) => {
  const time = new FakeTime();
  const scheduler = new Scheduler(time, countingHost(time));
  const fired: number[] = [];
  scheduler.schedule('a', 500, (now) => fired.push(now));
  scheduler.schedule('a', 100, (now) => fired.push(now));
  time.advanceTo(100);
  t.same(fired, [100]);
  time.advanceTo(600);
  t.same(fired, [100], 'the moved deadline fires once');
  t.equal(time.waiting, 0, 'no host timer left behind');
});
