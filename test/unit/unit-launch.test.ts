// The benchmarks and the soak start the daemon the way systemd/ipfailoverd.service does: its
// Environment= and scheduling settings, read from the unit file, never hard-coded.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { parseUnitLaunch, serviceAssignments, unitLaunch, UnitFileError, UNIT_FILE } from '../bench/unit-launch.js';

const unit = (service: string): string => ['[Unit]', 'Description=x', 'Nice=5', '', '[Service]', service, '', '[Install]', 'WantedBy=multi-user.target', ''].join('\n');

t.test('no scheduling settings: no prefix, no environment', async (t) => {
  t.strictSame(parseUnitLaunch(unit('Type=notify')), { env: {}, prefix: [], unapplied: [] });
});

t.test('Environment=: every assignment, quoted words, later values win, an empty one resets', async (t) => {
  const text = unit(
    [
      'Environment=STALE=1',
      'Environment=',
      'Environment=NODE_OPTIONS=--jitless A=1',
      'Environment="B=two words" \'C=single quoted\'',
      'Environment=A=2',
    ].join('\n'),
  );
  t.strictSame(parseUnitLaunch(text).env, { NODE_OPTIONS: '--jitless', A: '2', B: 'two words', C: 'single quoted' });
});

t.test('settings outside [Service], comments and continuation lines', async (t) => {
  const text = unit(['# Nice=-20', '; Nice=-19', 'Environment=NODE_OPTIONS=--max-old-space-size=64 \\', '  X=1', 'Nice=-15'].join('\n'));
  t.strictSame(serviceAssignments(text), [
    ['Environment', 'NODE_OPTIONS=--max-old-space-size=64  X=1'],
    ['Nice', '-15'],
  ]);
  // [Unit]'s Nice=5 is not the service's.
  t.strictSame(parseUnitLaunch(text), { env: { NODE_OPTIONS: '--max-old-space-size=64', X: '1' }, prefix: ['nice', '-n', '-15'], unapplied: [] });
});

t.test('Nice=, CPUSchedulingPolicy=/Priority=, IOSchedulingClass=/Priority= become nice, chrt, ionice in that order', async (t) => {
  const text = unit(['IOSchedulingClass=best-effort', 'IOSchedulingPriority=0', 'CPUSchedulingPolicy=fifo', 'CPUSchedulingPriority=10', 'Nice=-5'].join('\n'));
  t.strictSame(parseUnitLaunch(text).prefix, ['nice', '-n', '-5', 'chrt', '--fifo', '10', 'ionice', '-c', '2', '-n', '0']);
});

t.test('chrt gets priority 0 for the normal policies, at least 1 for realtime ones', async (t) => {
  t.strictSame(parseUnitLaunch(unit('CPUSchedulingPolicy=batch\nCPUSchedulingPriority=50')).prefix, ['chrt', '--batch', '0']);
  t.strictSame(parseUnitLaunch(unit('CPUSchedulingPolicy=rr')).prefix, ['chrt', '--rr', '1']);
});

t.test('IOSchedulingClass= by number; idle takes no level', async (t) => {
  t.strictSame(parseUnitLaunch(unit('IOSchedulingClass=3\nIOSchedulingPriority=4')).prefix, ['ionice', '-c', '3']);
  t.strictSame(parseUnitLaunch(unit('IOSchedulingClass=realtime\nIOSchedulingPriority=4')).prefix, ['ionice', '-c', '1', '-n', '4']);
});

t.test('the last assignment wins; an empty one unsets', async (t) => {
  t.strictSame(parseUnitLaunch(unit('Nice=-15\nNice=-10')).prefix, ['nice', '-n', '-10']);
  t.strictSame(parseUnitLaunch(unit('Nice=-15\nNice=')).prefix, []);
});

t.test('cgroup and placement settings are reported as not applied', async (t) => {
  t.strictSame(parseUnitLaunch(unit('CPUWeight=1000\nCPUAffinity=0\nNice=-1')).unapplied, ['CPUWeight=1000', 'CPUAffinity=0']);
});

t.test('values out of range or unknown are errors, not silently dropped', async (t) => {
  for (const bad of ['Nice=-21', 'Nice=high', 'CPUSchedulingPolicy=deadline', 'CPUSchedulingPriority=100', 'IOSchedulingClass=fast', 'IOSchedulingPriority=8']) {
    t.throws(() => parseUnitLaunch(unit(bad)), UnitFileError, bad);
  }
});

t.test("the repository's unit parses, and its NODE_OPTIONS is what the daemon gets", async (t) => {
  const text = readFileSync(UNIT_FILE, 'utf8');
  const launch = unitLaunch();
  // Read independently of the parser: the last Environment=NODE_OPTIONS= line, if any, bare or
  // in double quotes (several options need them).
  const lines = [...text.matchAll(/^Environment=(?:"NODE_OPTIONS=([^"]*)"|NODE_OPTIONS=(\S*))\s*$/gm)];
  const last = lines.at(-1);
  t.equal(launch.env.NODE_OPTIONS, last?.[1] ?? last?.[2]);
  t.ok(launch.prefix.every((word) => word !== ''), 'no empty words in the prefix');
});
