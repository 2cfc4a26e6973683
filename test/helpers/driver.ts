/** One InstanceDriver on fake ports and a hand-driven clock, as the runtime tests use it. */

import { validateConfig } from '../../src/config/load.js';
import { InstanceDriver } from '../../src/runtime/instance-driver.js';
import { Scheduler } from '../../src/runtime/scheduler.js';
import { ip } from './addresses.js';
import { FakeAddresses, FakeFrames, FakeTransport, LINK, memoryLogger, Recorder } from './fake-ports.js';
import { FakeTime } from './fake-time.js';

export const VIP = '203.0.113.10';
/** The driver's own source address. */
export const SELF = '192.0.2.1';

/** An instance "web", VRID 51, priority 100, 100 ms interval, from SELF; `overrides` are config fields. */
export function driver(overrides: Record<string, unknown> = {}) {
  const result = validateConfig({
    instances: [{ name: 'web', interface: 'eth0', vrid: 51, priority: 100, advertIntervalMs: 100, virtualAddresses: [`${VIP}/32`], announce: { count: 2, intervalMs: 50 }, ...overrides }],
  });
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  const config = result.config.instances[0]!;
  const time = new FakeTime();
  const scheduler = new Scheduler(time, time);
  const recorder = new Recorder();
  const { log, lines } = memoryLogger();
  const addresses = new FakeAddresses(recorder, LINK);
  const transport = new FakeTransport(recorder);
  const instance = new InstanceDriver(
    { config, link: LINK, source: ip(SELF), destinations: [ip('224.0.0.18')], virtualAddresses: [{ bytes: ip(VIP), prefixLength: 32 }] },
    { scheduler, transport, addresses, frames: new FakeFrames(recorder), log },
  );
  return { instance, time, recorder, lines, addresses, transport };
}

/** A decoded advertisement for VRID 51 at the given priority and interval (centiseconds). */
export const advert = (priority: number, maxAdvertIntervalCs = 10) => ({
  vrid: 51,
  priority,
  maxAdvertIntervalCs,
  addresses: [ip(VIP)],
  family: 4 as const,
  checksum: 0,
  checksumVariant: 'rfc5798' as const,
});
