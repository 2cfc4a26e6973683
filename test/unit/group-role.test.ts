import t from 'tap';
import { groupRole } from '../../src/protocol/group-role.js';

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
