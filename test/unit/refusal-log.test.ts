// The journal's line for a refused status-socket command: who and why, once a minute per peer uid
// and reason, so that an operator sending refused commands in a loop cannot flood the journal.
import t from 'tap';
import { refusalLog } from '../../src/runtime/refusal-log.js';
import type { Refusal } from '../../src/control/status-server.js';

const operator: Refusal = { cmd: 'step-down', reason: 'not-admin', peer: { known: true, credentials: { pid: 4242, uid: 1000, gid: 1000, groups: [27] } } };

t.test('each refusal names the peer; repeats within a minute are counted, not logged', async (t) => {
  const lines: Array<[Record<string, unknown>, string]> = [];
  let now = 0;
  const log = refusalLog({ warn: (fields: Record<string, unknown>, message: string) => lines.push([fields, message]) } as never, () => now);
  log(operator);
  log({ ...operator, cmd: 'reload' });
  log({ ...operator, peer: { known: false, why: 'ENOTSOCK' }, reason: 'credentials-unknown' });
  t.same(lines.map(([fields]) => fields), [
    { cmd: 'step-down', reason: 'not-admin', pid: 4242, uid: 1000, gid: 1000, groups: [27] },
    { cmd: 'step-down', reason: 'credentials-unknown', why: 'ENOTSOCK' },
  ]);
  now = 60_000;
  log(operator);
  t.match(lines.at(-1)?.[0], { uid: 1000, suppressed: 1 }, 'the next minute says how many were not logged');
});
