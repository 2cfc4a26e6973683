// The benchmarks start daemons with the unit's NODE_OPTIONS, further Environment= and Nice=, read
// from the unit file.
import t from 'tap';
import { readUnitLaunch, without } from '../bench/unit-options.js';

t.test('NODE_OPTIONS and Nice= as systemd reads them: the last assignment wins, comments do not count', async (t) => {
  const unit = [
    '[Service]',
    '# Environment=NODE_OPTIONS=--commented-out',
    'Environment=NODE_OPTIONS=--jitless',
    'Environment="NODE_OPTIONS=--max-semi-space-size=1 --max-old-space-size=128"',
    'Nice=-15',
  ].join('\n');
  t.same(readUnitLaunch(unit), { nodeOptions: '--max-semi-space-size=1 --max-old-space-size=128', env: {}, nice: -15 });
});

t.test('a unit without either gives no options and nice 0', async (t) => {
  t.same(readUnitLaunch('[Service]\nExecStart=/usr/bin/ipfailoverd\n'), { nodeOptions: '', env: {}, nice: 0 });
});

t.test("the unit's other Environment= variables (malloc tuning, say) reach the daemons too", async (t) => {
  const unit = ['[Service]', 'Environment=MALLOC_ARENA_MAX=1', 'Environment=NODE_OPTIONS=--max-semi-space-size=2'].join('\n');
  t.same(readUnitLaunch(unit), { nodeOptions: '--max-semi-space-size=2', env: { MALLOC_ARENA_MAX: '1' }, nice: 0 });
});

t.test('without() leaves one flag out', async (t) => {
  t.equal(without('--jitless --max-semi-space-size=1', '--jitless'), '--max-semi-space-size=1');
  t.equal(without('--jitless', '--jitless'), '');
});
