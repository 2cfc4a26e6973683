/** When an advertisement reached the host: now − the kernel's age, when the age can be trusted. */

import t from 'tap';
import { receivedAt } from '../../src/runtime/receive-time.js';

t.test('an age within half the advertisement interval moves the arrival back by that much', async (t) => {
  t.equal(receivedAt(1000, 3, 100), 997);
  t.equal(receivedAt(1000, 0.25, 10), 999.75, 'sub-millisecond ages count (10 ms interval)');
  t.equal(receivedAt(1000, 50, 100), 950, 'half the interval exactly is still trusted');
});

t.test('an unknown, negative or absurd age (a realtime clock step) counts as 0', async (t) => {
  t.equal(receivedAt(1000, undefined, 100), 1000, 'no kernel stamp');
  t.equal(receivedAt(1000, Number.NaN, 100), 1000);
  t.equal(receivedAt(1000, -0.5, 100), 1000, 'the clock stepped back between stamp and read');
  t.equal(receivedAt(1000, 50.1, 100), 1000, 'more than half an interval');
  t.equal(receivedAt(1000, 3_600_000, 1000), 1000, 'the clock stepped forward an hour');
});
