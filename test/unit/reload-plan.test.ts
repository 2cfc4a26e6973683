import t from 'tap';
import { validateConfig } from '../../src/config/load.js';
import type { InstanceConfig } from '../../src/config/types.js';
import { classify, planReload } from '../../src/runtime/reload-plan.js';

function instance(overrides: Record<string, unknown> = {}): InstanceConfig {
  const result = validateConfig({ instances: [{ name: 'web', interface: 'eth0', vrid: 51, virtualAddresses: ['203.0.113.10/32'], ...overrides }] });
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.config.instances[0]!;
}

t.test('the same configuration is unchanged, even rebuilt from another file', async (t) => {
  t.equal(classify(instance(), instance()), 'unchanged');
});

t.test('protocol parameters change in place', async (t) => {
  for (const change of [{ priority: 150 }, { advertIntervalMs: 200 }, { preempt: false }, { preemptDelayMs: 1000 }, { announce: { count: 1 } }, { checksum: 'rfc9568' }, { groupMaster: true }]) {
    t.equal(classify(instance(), instance(change)), 'update', JSON.stringify(change));
  }
});

t.test('addresses, peers and source change in place too (keepalived does): the failover IP does not move', async (t) => {
  for (const change of [{ virtualAddresses: ['203.0.113.11/32'] }, { virtualAddresses: ['203.0.113.10/32', '203.0.113.11/32'] }, { unicastPeers: ['192.0.2.2'] }, { peers: ['192.0.2.2'] }, { sourceAddress: '192.0.2.1' }]) {
    t.equal(classify(instance(), instance(change)), 'update', JSON.stringify(change));
  }
});

t.test('what the instance is on the wire needs a restart', async (t) => {
  for (const change of [
    { interface: 'eth1' },
    { vrid: 52 },
    // Another family is another instance on the wire (another socket, another VRID space).
    { virtualAddresses: ['2001:db8::10/128'] },
  ]) {
    t.equal(classify(instance(), instance(change)), 'restart', JSON.stringify(change));
  }
  t.equal(classify(instance({ sourceAddress: '203.0.113.10' }), instance({ sourceAddress: '203.0.113.10', priority: 255 })), 'restart', 'becoming the owner');
});

t.test('a plan: kept, changed, removed and added by name', async (t) => {
  const web = instance();
  const db = instance({ name: 'db', vrid: 52, virtualAddresses: ['203.0.113.20/32'] });
  const mail = instance({ name: 'mail', vrid: 53, virtualAddresses: ['203.0.113.30/32'] });
  const plan = planReload([web, db, mail], [instance({ priority: 120 }), instance({ name: 'db', vrid: 52, virtualAddresses: ['203.0.113.20/32'] }), instance({ name: 'dns', vrid: 54, virtualAddresses: ['203.0.113.40/32'] })]);
  t.same(plan, { unchanged: ['db'], update: ['web'], restart: [], remove: ['mail'], add: ['dns'] });
});
