// The translation rules one at a time, on small inputs (the realistic, keepalived-checked files
// are in test/interop/keepalived-import.test.ts). Programs are found through an injected lookup.
import t from 'tap';
import { formatNote, inReadingOrder } from '../../src/import/import-notes.js';
import { parseKeepalived } from '../../src/import/keepalived-parser.js';
import { translateKeepalived, type ImportOptions } from '../../src/import/keepalived-to-config.js';

const PROGRAMS: Record<string, string> = { pidof: '/usr/bin/pidof' };
const OPTIONS: ImportOptions = { resolve: (name) => PROGRAMS[name], syncGroups: false };

function translate(text: string, options: ImportOptions = OPTIONS) {
  const parsed = parseKeepalived('k.conf', { read: () => ({ ok: true, text }), expand: () => [] });
  if (!parsed.ok) throw new Error(parsed.message);
  const { document, notes } = translateKeepalived(parsed.statements, options);
  return { document, lines: inReadingOrder(notes, ['k.conf']).map(formatNote) };
}

const instance = (body: string, name = 'web') =>
  `vrrp_instance ${name} {\n  interface eth0\n  virtual_router_id 51\n  version 3\n  virtual_ipaddress {\n    192.0.2.10/24\n  }\n${body}}\n`;

t.test('advert_int in seconds becomes centisecond-exact milliseconds; a value between steps is rounded and said', async (t) => {
  const { document, lines } = translate(instance('  advert_int 0.125\n'));
  t.equal(document.instances[0]?.advertIntervalMs, 130);
  t.same(lines, ['k.conf:8: advert_int: 0.125 s is 130 ms here (ipfailoverd takes 10..40950 ms in steps of 10 ms)']);
});

t.test('vrrp_sync_group is emitted as syncGroups when the schema has them, with our instance names', async (t) => {
  const text = `${instance('', 'web4')}${instance('', 'web6').replace('51', '52')}vrrp_sync_group svc {\n  group {\n    web4\n    web6\n    gone\n  }\n}\n`;
  const { document, lines } = translate(text, { ...OPTIONS, syncGroups: true });
  t.same(document.syncGroups, [{ name: 'svc', instances: ['web4', 'web6'] }]);
  t.same(lines, ['k.conf:17: vrrp_sync_group: gone is not an instance that was carried over: left out of svc']);
});

t.test('track scripts: keepalived defaults, a PATH lookup, a program that is nowhere, a timeout longer than the interval', async (t) => {
  const text = `vrrp_script a {\n  script "pidof haproxy"\n}\nvrrp_script b {\n  script "nosuch --x"\n}\nvrrp_script c {\n  script /bin/true\n  interval 1\n  timeout 3\n  weight 10 reverse\n}\n${instance('  track_script {\n    a\n    b\n    c\n    d\n  }\n')}`;
  const { document, lines } = translate(text);
  t.same(document.instances[0]?.track?.scripts, [
    { name: 'a', command: ['/usr/bin/pidof', 'haproxy'], intervalMs: 1000, timeoutMs: 1000, rise: 1, fall: 1, weight: 0, initiallyHealthy: true },
    { name: 'c', command: ['/bin/true'], intervalMs: 1000, timeoutMs: 1000, rise: 1, fall: 1, weight: 10, initiallyHealthy: true },
  ]);
  t.same(lines, [
    'k.conf:2: script: "pidof" is /usr/bin/pidof here: ipfailoverd runs commands by absolute path',
    'k.conf:5: script: "nosuch" is not an absolute path and was not found in keepalived\'s PATH: not carried over (ipfailoverd runs commands without a $PATH search)',
    'k.conf:7: vrrp_script: c: timeout 3000 ms is longer than interval 1000 ms: ipfailoverd ends a run before the next is due, so timeoutMs is 1000',
    'k.conf:11: weight: "reverse" not carried over: ipfailoverd\'s weights have no reverse form',
    'k.conf:22: b: b could not be carried over (see its definition): not tracked',
    'k.conf:24: d: d is not defined (no vrrp_script d): not carried over',
  ]);
});

t.test('addresses: one on another device is dropped, peers lose their TTL options, unknown keywords are named', async (t) => {
  const text = instance('  virtual_ipaddress_excluded {\n    192.0.2.99\n  }\n  unicast_peer {\n    192.0.2.2 min_ttl 250\n  }\n  use_vmac\n  authentication {\n    auth_type PASS\n  }\n')
    .replace('    192.0.2.10/24\n', '    192.0.2.10/24\n    192.0.2.11/24 dev eth1\n');
  const { document, lines } = translate(text);
  t.same(document.instances[0]?.virtualAddresses, ['192.0.2.10/24']);
  t.same(document.instances[0]?.unicastPeers, ['192.0.2.2']);
  t.same(lines, [
    "k.conf:7: 192.0.2.11/24: 192.0.2.11/24 is on eth1: not carried over (ipfailoverd adds virtual addresses on the instance's interface, eth0)",
    'k.conf:9: virtual_ipaddress_excluded: not carried over: ipfailoverd advertises every address it adds; list these in an instance of their own or add them outside ipfailoverd',
    'k.conf:13: 192.0.2.2: min_ttl 250 not carried over: ipfailoverd checks TTL 255 (RFC 9568 §7.1) and has no per-peer TTL range',
    "k.conf:15: use_vmac: not carried over: ipfailoverd never uses a virtual MAC: a cloud IP failover group announces the address from the NIC's own MAC",
    'k.conf:16: authentication: not carried over: VRRPv3 has no authentication (RFC 9568 removed it): remove it on the keepalived side too',
  ]);
});

t.test('an instance without what an instance needs is left out and said; names are made ours', async (t) => {
  const { document, lines } = translate('vrrp_instance half {\n  interface eth0\n}\nvrrp_instance "web front" {\n  interface eth0\n  virtual_router_id 9\n  version 3\n  virtual_ipaddress {\n    192.0.2.9\n  }\n}\n');
  t.same(document.instances.map((i) => i.name), ['web_front']);
  t.same(lines, [
    'k.conf:1: vrrp_instance: half: not carried over: no usable virtual_router_id, virtual_ipaddress',
    'k.conf:4: vrrp_instance: name "web front" is "web_front" here: ipfailoverd\'s names are 1-32 characters of A-Z a-z 0-9 _ . - starting with a letter or digit',
  ]);
});

t.test('notify scripts become hooks called as keepalived calls them: per-state ones first, a user kept, a group, a lookup and the rest said', async (t) => {
  const body = [
    '  notify "notify.sh extra"',
    '  notify_fault "/bin/fault.sh" nobody nogroup',
    '  notify_master /bin/up.sh',
    '  notify_deleted /bin/gone.sh',
    '  notify_master_rx_lower_pri /bin/lower.sh',
    '  notify_backup "nosuch"',
    '',
  ].join('\n');
  const { document, lines } = translate(instance(body), { ...OPTIONS, resolve: (name) => (name === 'notify.sh' ? '/usr/local/bin/notify.sh' : undefined) });
  t.same(document.instances[0]?.notify, [
    { command: ['/bin/fault.sh'], form: 'none', on: ['FAULT'], user: 'nobody' },
    { command: ['/bin/up.sh'], form: 'none', on: ['MASTER'] },
    { command: ['/usr/local/bin/notify.sh', 'extra'], form: 'keepalived' },
  ]);
  t.same(lines, [
    'k.conf:8: notify: "notify.sh" is /usr/local/bin/notify.sh here: ipfailoverd runs commands by absolute path',
    "k.conf:9: notify_fault: group nogroup not carried over: a hook runs with its user's primary and supplementary groups",
    'k.conf:11: notify_deleted: not carried over: ipfailoverd runs no hook when a reload deletes an instance (it stops it: hooks on STOP run)',
    'k.conf:12: notify_master_rx_lower_pri: not carried over: ipfailoverd has no hook for a master hearing a lower priority',
    'k.conf:13: notify_backup: "nosuch" is not an absolute path and was not found in keepalived\'s PATH: not carried over (ipfailoverd runs commands without a $PATH search)',
  ]);
});
