import t from 'tap';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CTL = fileURLToPath(new URL('../../src/cli/ipfailoverctl.js', import.meta.url));
const EXAMPLE = fileURLToPath(new URL('../../../config.example.json', import.meta.url));

function ctl(...args: string[]) {
  return spawnSync(process.execPath, [CTL, ...args], { encoding: 'utf8' });
}

t.test('ipfailoverctl check-config accepts the example and rejects a bad file with its path', async (t) => {
  const good = ctl('check-config', EXAMPLE);
  t.equal(good.status, 0);
  t.match(good.stdout, /configuration OK, 2 instances/);
  const dir = t.testdir({ 'bad.json': JSON.stringify({ instances: [{ name: 'x', interface: 'eth0', vrid: 300, virtualAddresses: ['192.0.2.10'] }] }) });
  const bad = ctl('check-config', `${dir}/bad.json`);
  t.equal(bad.status, 78);
  t.match(bad.stderr, /\/instances\/0\/vrid: /);
});

t.test('ipfailoverctl refuses unknown commands with a usage error', async (t) => {
  const result = ctl('frobnicate');
  t.equal(result.status, 64);
  t.match(result.stderr, /Usage: ipfailoverctl/);
});
