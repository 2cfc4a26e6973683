import t from 'tap';
import { validateConfig } from '../../src/config/load.js';
import { rehearseTakeover } from '../../src/runtime/warm-up.js';
import { LINK } from '../helpers/fake-ports.js';

function config(overrides: Record<string, unknown>) {
  const result = validateConfig({ instances: [{ name: 'web', interface: 'eth0', vrid: 51, virtualAddresses: ['203.0.113.10/32'], ...overrides }] });
  if (!result.ok) throw new Error('bad test config');
  return result.config.instances[0]!;
}

t.test('a rehearsal goes through a whole takeover and release on null ports', async (t) => {
  const takeover = ['initialize>backup', 'backup>active', 'active>initialize'];
  t.same(await rehearseTakeover(config({}), LINK), takeover, 'IPv4');
  t.same(await rehearseTakeover(config({ virtualAddresses: ['2001:db8::10/128'] }), LINK), takeover, 'IPv6');
  t.same(await rehearseTakeover(config({ startupDelayMs: 60000, groupMaster: true, track: { scripts: [{ name: 'x', command: ['/bin/false'] }] } }), LINK), takeover, 'delays, group master and tracking are left out');
  t.same(await rehearseTakeover(config({ priority: 255, sourceAddress: '203.0.113.10' }), LINK), ['initialize>active', 'active>initialize'], 'the owner');
});
