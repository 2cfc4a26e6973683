import t from 'tap';
import { activeDownIntervalMs, msToIntervalCs, skewTimeMs } from '../../src/protocol/timers.js';

// The figures of the shared notes' table "Figures to beat", from the §6.1 formulas.
t.test('Skew_Time and Active_Down_Interval match the RFC 9568 §6.1 formulas', async (t) => {
  t.equal(skewTimeMs(100, 100), 609.375, '1 s, priority 100: Skew_Time');
  t.equal(activeDownIntervalMs(100, 100), 3609.375, '1 s, priority 100: Active_Down_Interval');
  t.equal(skewTimeMs(100, 10), 60.9375, '100 ms, priority 100');
  t.equal(activeDownIntervalMs(100, 10), 360.9375);
  t.equal(skewTimeMs(254, 10), 0.78125, '100 ms, priority 254');
  t.equal(activeDownIntervalMs(254, 10), 300.78125);
  t.equal(skewTimeMs(255, 100), 3.90625);
  t.equal(skewTimeMs(1, 4095), (255 * 40950) / 256, 'longest interval, lowest priority');
});

t.test('a higher priority always has a shorter Skew_Time, so it wins a race to Active', async (t) => {
  for (let p = 1; p < 255; p++) t.ok(skewTimeMs(p + 1, 100) < skewTimeMs(p, 100), `priority ${p + 1} < ${p}`);
});

t.test('configuration milliseconds become wire centiseconds inside the 12-bit field', async (t) => {
  t.equal(msToIntervalCs(1000), 100);
  t.equal(msToIntervalCs(10), 1);
  t.equal(msToIntervalCs(40950), 4095);
  t.equal(msToIntervalCs(100000), 4095);
  t.equal(msToIntervalCs(0), 1);
});
