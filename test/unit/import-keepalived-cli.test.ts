// `ipfailoverctl import-keepalived`: its command line and its refusals (the keepalived-checked
// fixtures are in test/interop/keepalived-import.test.ts).
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CTL = fileURLToPath(new URL('../../src/cli/ipfailoverctl.js', import.meta.url));

function ctl(...args: string[]) {
  return spawnSync(process.execPath, [CTL, ...args], { encoding: 'utf8' });
}

t.test('a file that cannot be read exits 78 naming it', async (t) => {
  const dir = t.testdir({});
  const result = ctl('import-keepalived', `${dir}/none.conf`);
  t.equal(result.status, 78);
  t.equal(result.stdout, '');
  t.equal(result.stderr, `${dir}/none.conf: cannot read ${dir}/none.conf: ENOENT\nipfailoverctl: ${dir}/none.conf: cannot be parsed, nothing imported\n`);
});

t.test('import-keepalived takes exactly one file', async (t) => {
  for (const args of [['import-keepalived'], ['import-keepalived', 'a', 'b']]) {
    const result = ctl(...args);
    t.equal(result.status, 64, args.join(' '));
    t.match(result.stderr, /import-keepalived needs one file/);
  }
});

t.test('nothing that could be carried over: no output, exit 78 with what --check-config would say', async (t) => {
  const dir = t.testdir({ 'k.conf': 'global_defs {\n  router_id lb1\n}\nvrrp_instance web {\n  interface eth0\n}\n' });
  const result = ctl('import-keepalived', `${dir}/k.conf`);
  t.equal(result.status, 78);
  t.equal(result.stdout, '');
  t.same(result.stderr.split('\n').filter(Boolean), [
    `${dir}/k.conf:2: router_id: not carried over: ipfailoverd has no router id: it names instances only`,
    `${dir}/k.conf:4: vrrp_instance: web: not carried over: no usable virtual_router_id, virtual_ipaddress`,
    'ipfailoverctl: the imported configuration would not pass --check-config: /instances: must NOT have fewer than 1 items',
  ]);
});
