// ipfailoverd run as a child process against files in a temporary directory:
// exit statuses and what reaches stdout and stderr.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { configWith, instance, instance6 } from '../helpers/config-documents.js';

const CLI = fileURLToPath(new URL('../../src/cli/ipfailoverd.js', import.meta.url));
const EXAMPLE = fileURLToPath(new URL('../../../config.example.json', import.meta.url));
const PACKAGE = fileURLToPath(new URL('../../../package.json', import.meta.url));

function run(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const { status, stdout, stderr } = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { status, stdout, stderr };
}

t.test('--check-config on a valid file prints a summary and exits 0', async (t) => {
  const { status, stdout, stderr } = run('--check-config', EXAMPLE);
  t.equal(status, 0);
  t.equal(stderr, '');
  t.match(stdout, 'configuration OK, 2 instances');
  t.match(stdout, 'instance web: interface=eth0 vrid=51 family=IPv4 priority=150 interval=1000ms');
  t.match(stdout, 'addresses=203.0.113.10/32 mode=multicast groupMaster=true');
  t.match(stdout, 'instance db: interface=eth0 vrid=52 family=IPv6 priority=100');
  t.match(stdout, 'mode=unicast(2001:db8:0:1::2,2001:db8:0:1::3) groupMaster=false');
  t.match(stdout, 'groupMaster=true firstStart=leads(', 'what each member does at first start');
  t.match(stdout, 'firstStart=waits-for(2001:db8:0:1::2,up to 10000ms)');
});

t.test('--check-config prints warnings with their path', async (t) => {
  const dir = t.testdir({ 'warn.json': JSON.stringify(configWith(instance({ groupMaster: true, preempt: false }))) });
  const { status, stdout } = run('--check-config', join(dir, 'warn.json'));
  t.equal(status, 0);
  t.match(stdout, 'warning: /instances/0/preempt: ');
});

t.test('--check-config says per instance whose advertisements can move its IP', async (t) => {
  const dir = t.testdir({
    'modes.json': JSON.stringify(configWith(
      instance({ peers: ['192.0.2.2', '192.0.2.3'] }),
      instance({ name: 'open', vrid: 52, virtualAddresses: ['203.0.113.11/32'] }),
      instance({ name: 'uc', vrid: 53, virtualAddresses: ['203.0.113.12/32'], unicastPeers: ['192.0.2.2'] }),
      instance6({ peers: ['fe80::2'] }),
    )),
  });
  const { status, stdout } = run('--check-config', join(dir, 'modes.json'));
  t.equal(status, 0);
  const under = (name: string) => stdout.split('\n')[stdout.split('\n').findIndex((line) => line.startsWith(`instance ${name}:`)) + 1];
  t.equal(under('web'), '  advertisements accepted from: 192.0.2.2, 192.0.2.3 (peers)');
  t.equal(under('open'), '  advertisements accepted from: anyone on the link (multicast, no peers list: any host on the LAN can take the IP)');
  t.equal(under('uc'), '  advertisements accepted from: 192.0.2.2 (unicastPeers)');
  t.equal(under('web6'), '  advertisements accepted from: fe80::2 (peers)');
  t.match(stdout, /^warning: \/instances\/1\/peers: is not set: .*any host on the LAN can take the IP/m);
  t.equal(stdout.match(/^warning: /gm)?.length, 1, 'only the open instance is warned about');
});

t.test('--check-config with both peers and unicastPeers names the path and exits 78', async (t) => {
  const dir = t.testdir({ 'both.json': JSON.stringify(configWith(instance({ unicastPeers: ['192.0.2.2'], peers: ['192.0.2.3'] }))) });
  const { status, stderr } = run('--check-config', join(dir, 'both.json'));
  t.equal(status, 78);
  t.match(stderr, /^\/instances\/0\/peers: unicastPeers already lists who may advertise/m);
});

t.test('--check-config on an invalid file prints every error as PATH: MESSAGE and exits 78', async (t) => {
  const dir = t.testdir({
    'bad.json': JSON.stringify(configWith(instance({ vrid: 256 }), instance6({ name: 'web' }))),
    'syntax.json': '{ "instances": [ }',
  });
  const bad = run('--check-config', join(dir, 'bad.json'));
  t.equal(bad.status, 78);
  t.equal(bad.stdout, '');
  t.match(bad.stderr, /^\/instances\/0\/vrid: must be <= 255$/m);
  t.notMatch(bad.stderr, '/instances/1/name', 'cross-checks wait for a schema-valid document');

  const syntax = run('--check-config', join(dir, 'syntax.json'));
  t.equal(syntax.status, 78);
  t.match(syntax.stderr, /^\(root\): JSON syntax error at line 1, column 18/m);

  const missing = run('--check-config', join(dir, 'missing.json'));
  t.equal(missing.status, 78);
  t.match(missing.stderr, 'missing.json');
});

t.test('cross-check errors are all printed', async (t) => {
  const dir = t.testdir({ 'dup.json': JSON.stringify(configWith(instance(), instance({ priority: 255 }))) });
  const { status, stderr } = run('--check-config', join(dir, 'dup.json'));
  t.equal(status, 78);
  for (const path of ['/instances/1/name', '/instances/1/vrid', '/instances/1/virtualAddresses/0', '/instances/1/priority']) {
    t.match(stderr, new RegExp(`^${path}: `, 'm'), path);
  }
  t.match(stderr, '4 errors');
});

t.test('unknown options and missing commands are usage errors (64)', async (t) => {
  for (const args of [['--frobnicate'], [], ['--check-config']]) {
    const { status, stderr } = run(...args);
    t.equal(status, 64, args.join(' '));
    t.match(stderr, "Try 'ipfailoverd --help'");
  }
});

t.test('--config validates first (78); with --strict-startup it names a missing interface (69) before touching the network', async (t) => {
  const dir = t.testdir({
    'bad.json': JSON.stringify(configWith(instance({ vrid: 0 }))),
    'missing.json': JSON.stringify(configWith(instance({ interface: 'ipfo-absent0' }))),
  });
  const bad = run('--config', join(dir, 'bad.json'));
  t.equal(bad.status, 78);
  t.match(bad.stderr, '/instances/0/vrid: ');
  const missing = run('--config', join(dir, 'missing.json'), '--strict-startup');
  t.equal(missing.status, 69, 'EX_UNAVAILABLE: systemd retries, as for a NIC that is late at boot');
  t.match(missing.stdout, 'interface ipfo-absent0 (instance');
});

t.test('--help and --version', async (t) => {
  const help = run('--help');
  t.equal(help.status, 0);
  t.match(help.stdout, 'SYNOPSIS');
  t.match(help.stdout, '--check-config FILE');
  const version = run('--version');
  t.equal(version.status, 0);
  const { version: expected } = JSON.parse(readFileSync(PACKAGE, 'utf8')) as { version: string };
  t.equal(version.stdout, `ipfailoverd ${expected}\n`);
});

t.test('under the journal, configuration errors carry the error priority', async (t) => {
  const dir = t.testdir({ 'bad.json': JSON.stringify(configWith(instance({ vrid: 0 }))) });
  const result = spawnSync(process.execPath, [CLI, '--check-config', join(dir, 'bad.json')], { encoding: 'utf8', env: { ...process.env, JOURNAL_STREAM: '8:1234' } });
  t.equal(result.status, 78);
  t.match(result.stderr, /^<3>\/instances\/0\/vrid: /m);
});
