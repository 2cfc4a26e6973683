// syncGroups (keepalived's vrrp_sync_group): what the loader accepts, what each member learns,
// and every misconfiguration named by its JSON path (the CLI exits 78 on them).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { acceptedConfig, errorsOf, hasIssue, instance, instance6, type Json } from '../helpers/config-documents.js';

const CLI = fileURLToPath(new URL('../../src/cli/ipfailoverd.js', import.meta.url));
const web4 = instance({ name: 'web4' });
const web6 = instance6();
const withGroups = (syncGroups: Json[], instances: Json[] = [web4, web6]) => ({ instances, syncGroups });

t.test('a group of an IPv4 and an IPv6 instance: each member knows its group; the hooks are kept', async (t) => {
  const { config } = acceptedConfig(withGroups([{ name: 'svc', instances: ['web4', 'web6'], notify: [{ command: ['/usr/local/bin/svc-notify'] }] }], [web4, web6, instance({ name: 'db', vrid: 52, virtualAddresses: ['203.0.113.11/32'] })]));
  t.same(config.instances.map((i) => [i.name, i.syncGroup]), [['web4', 'svc'], ['web6', 'svc'], ['db', undefined]]);
  t.same(config.syncGroups, [{ name: 'svc', instances: ['web4', 'web6'], notify: [{ command: ['/usr/local/bin/svc-notify'], timeoutMs: 10_000, form: 'ipfailoverd' }] }]);
  t.same(acceptedConfig({ instances: [web4] }).config.syncGroups, [], 'none by default');
});

t.test('misconfigured groups: each error names its path', async (t) => {
  const errors = errorsOf(t, withGroups([
    { name: 'svc', instances: ['web4', 'web7'] },
    { name: 'svc', instances: ['web6', 'web4'] },
    { name: 'solo', instances: ['web6', 'web6'] },
    { name: 'hooks', instances: ['web6', 'web4'], notify: [{ command: ['svc-notify'] }] },
  ]));
  hasIssue(t, errors, '/syncGroups/0/instances/1', 'sync-group-unknown-instance', 'there is no instance "web7"');
  hasIssue(t, errors, '/syncGroups/1/name', 'duplicate-sync-group', '"svc" is already used by /syncGroups/0');
  hasIssue(t, errors, '/syncGroups/1/instances/1', 'sync-group-shared-instance', 'instance "web4" is already in /syncGroups/0/instances/0');
  hasIssue(t, errors, '/syncGroups/2/instances', 'sync-group-too-small', 'at least 2 distinct instances');
  hasIssue(t, errors, '/syncGroups/3/notify/0/command/0', 'command-not-absolute', 'must be an absolute path');
  const schema = errorsOf(t, withGroups([{ name: 'svc', instances: ['web4', 'web6'], extra: 1 }]));
  t.ok(schema.some((issue) => issue.path.startsWith('/syncGroups/0')), 'unknown fields are refused by the schema');
});

t.test('--check-config exits 78 on a group naming an unknown instance', async (t) => {
  const dir = t.testdir({ 'bad.json': JSON.stringify(withGroups([{ name: 'svc', instances: ['web4', 'web5'] }])) });
  const { status, stderr } = spawnSync(process.execPath, [CLI, '--check-config', join(dir, 'bad.json')], { encoding: 'utf8' });
  t.equal(status, 78);
  t.match(stderr, /^\/syncGroups\/0\/instances\/1: there is no instance "web5"$/m);
});

t.test('--check-config lists each sync group under the instances', async (t) => {
  const dir = t.testdir({ 'ok.json': JSON.stringify(withGroups([{ name: 'svc', instances: ['web4', 'web6'] }])) });
  const { status, stdout } = spawnSync(process.execPath, [CLI, '--check-config', join(dir, 'ok.json')], { encoding: 'utf8' });
  t.equal(status, 0);
  t.match(stdout, /^sync group svc: web4,web6 \(Master, Backup and Fault together\) hooks=0$/m);
});
