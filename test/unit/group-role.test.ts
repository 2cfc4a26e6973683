import t from 'tap';
import { activeIsGroupMaster, groupRole } from '../../src/protocol/group-role.js';

t.test('the configured master matches only while Active', async (t) => {
  t.same(groupRole(true, 'active'), { expected: 'master', actual: 'active', matches: true });
  for (const state of ['initialize', 'backup', 'fault'] as const) {
    t.equal(groupRole(true, state).matches, false, state);
  }
});

t.test('another member matches while not Active, and a mismatch shows when it is', async (t) => {
  t.same(groupRole(false, 'active'), { expected: 'backup', actual: 'active', matches: false });
  for (const state of ['initialize', 'backup', 'fault'] as const) {
    t.equal(groupRole(false, state).matches, true, state);
  }
});

t.test('whether the Active router is the configured master, as each member can tell', async (t) => {
  const member = { groupMaster: false, groupMasterAddress: '192.0.2.1', self: '192.0.2.2' };
  t.equal(activeIsGroupMaster(member, '192.0.2.1'), true, 'a member that knows the address: the configured master is Active');
  t.equal(activeIsGroupMaster(member, '192.0.2.3'), false, 'another router is');
  t.equal(activeIsGroupMaster(member, '192.0.2.2'), false, 'the member itself is');
  const master = { groupMaster: true, groupMasterAddress: undefined, self: '192.0.2.1' };
  t.equal(activeIsGroupMaster(master, '192.0.2.1'), true, 'the configured master, Active itself');
  t.equal(activeIsGroupMaster(master, '192.0.2.3'), false, 'the configured master knows anyone else is not it');
  const unknowing = { groupMaster: false, groupMasterAddress: undefined, self: '192.0.2.2' };
  t.equal(activeIsGroupMaster(unknowing, '192.0.2.1'), null, 'a member without groupMasterAddress cannot tell');
  t.equal(activeIsGroupMaster(unknowing, '192.0.2.2'), false, 'but knows it is not the configured master itself');
});
