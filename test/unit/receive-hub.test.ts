import t from 'tap';
import { validateConfig } from '../../src/config/load.js';
import { encode } from '../../src/protocol/advertisement.js';
import { NetError } from '../../src/net/ports.js';
import { InstanceDriver } from '../../src/runtime/instance-driver.js';
import { RateLimiter } from '../../src/runtime/rate-limit.js';
import { ReceiveHub } from '../../src/runtime/receive-hub.js';
import { Scheduler } from '../../src/runtime/scheduler.js';
import { ip } from '../helpers/addresses.js';
import { FakeAddresses, FakeFrames, FakeTransport, LINK, memoryLogger, Recorder } from '../helpers/fake-ports.js';
import { FakeTime } from '../helpers/fake-time.js';

function setup() {
  const result = validateConfig({ instances: [{ name: 'web', interface: 'eth0', vrid: 51, advertIntervalMs: 100, virtualAddresses: ['203.0.113.10/32'] }] });
  if (!result.ok) throw new Error('bad test config');
  const time = new FakeTime();
  const scheduler = new Scheduler(time, time);
  const recorder = new Recorder();
  const transport = new FakeTransport(recorder);
  const { log, lines } = memoryLogger();
  const hub = new ReceiveHub(transport, scheduler, log);
  const driver = new InstanceDriver(
    { config: result.config.instances[0]!, link: LINK, source: ip('192.0.2.1'), destinations: [ip('224.0.0.18')], virtualAddresses: [{ bytes: ip('203.0.113.10'), prefixLength: 32 }] },
    { scheduler, transport, addresses: new FakeAddresses(recorder, LINK), frames: new FakeFrames(recorder), log },
  );
  hub.add(driver);
  return { hub, driver, transport, time, lines };
}

t.test('a socket that stops receiving sends its instances to FAULT: a deaf backup must not lead', async (t) => {
  const { driver, transport, time, lines } = setup();
  driver.start();
  transport.failReceive(new NetError('EIO', 'receive on eth0'), true);
  t.equal(driver.current.name, 'fault');
  t.same(driver.current.faults, ['receive-socket']);
  time.advanceTo(10_000);
  t.equal(driver.current.name, 'fault', 'and stays there');
  t.ok(lines.some((l) => l.level === 50 && l.fatal === true), 'logged as an error');
});

t.test('a passing receive error is logged, nothing more', async (t) => {
  const { driver, transport } = setup();
  driver.start();
  transport.failReceive(new NetError('ENOBUFS', 'receive on eth0'), false);
  t.equal(driver.current.name, 'backup');
});

t.test('packets from ever-new sources cost one log line per reason and bounded memory', async (t) => {
  const { transport, lines, hub } = setup();
  const message = encode({ vrid: 99, priority: 100, maxAdvertIntervalCs: 10, addresses: [ip('203.0.113.99')] }, { family: 4, src: ip('0.0.0.0'), dst: ip('224.0.0.18'), variant: 'rfc9568' });
  for (let i = 0; i < 500; i++) {
    transport.deliver({ family: 4, ifindex: LINK.ifindex, src: ip(`198.51.100.${i % 250}`), dst: ip('224.0.0.18'), ttl: 255, message });
  }
  t.equal(lines.filter((l) => l.reason === 'unknown-vrid').length, 1);
  t.equal(hub.unattributed['unknown-vrid'], 500, 'every one counted');
  const limiter = new RateLimiter(60_000, 16);
  for (let i = 0; i < 1000; i++) limiter.allow(`key-${i}`, i);
  t.equal(limiter.size, 16, 'the limiter keeps at most its bound of keys');
});
