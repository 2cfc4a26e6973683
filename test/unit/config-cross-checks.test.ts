// The cross-field rules: each has a failing and a passing case, asserted on
// the JSON Pointer of the field to change and on the rule's code.
import t from 'tap';
import { CROSS_CHECKS, maxVirtualAddresses } from '../../src/config/cross-checks.js';
import { acceptedConfig, configWith, errorsOf, hasIssue, instance, instance6 } from '../helpers/config-documents.js';

const IPV4_DOCUMENTATION_NETS = ['192.0.2', '198.51.100', '203.0.113'];

/** n distinct host addresses of the family, from documentation ranges (at most 762 for IPv4). */
function addresses(family: 4 | 6, n: number): string[] {
  return Array.from({ length: n }, (_, k) =>
    family === 4
      ? `${IPV4_DOCUMENTATION_NETS[Math.floor(k / 254)]}.${1 + (k % 254)}`
      : `2001:db8::${(k + 1).toString(16)}`,
  );
}

t.test('instance names are unique', async (t) => {
  const errors = errorsOf(t, configWith(instance(), instance({ vrid: 52, virtualAddresses: ['203.0.113.11'] })));
  hasIssue(t, errors, '/instances/1/name', 'duplicate-name', '"web" is already used by /instances/0');
  acceptedConfig(configWith(instance(), instance({ name: 'api', vrid: 52, virtualAddresses: ['203.0.113.11'] })));
});

t.test('a VRID is unique per interface and address family', async (t) => {
  const second = { name: 'api', virtualAddresses: ['203.0.113.11'] };
  hasIssue(t, errorsOf(t, configWith(instance(), instance(second))), '/instances/1/vrid', 'duplicate-vrid',
    'VRID 51 on eth0 (IPv4) is already used by instance "web"');
  acceptedConfig(configWith(instance(), instance({ ...second, interface: 'eth1' })));
  acceptedConfig(configWith(instance(), instance6({ vrid: 51 })));
});

t.test('an instance has one address family', async (t) => {
  const errors = errorsOf(t, configWith(instance({ virtualAddresses: ['203.0.113.10', '2001:db8::10', '203.0.113.11'] })));
  hasIssue(t, errors, '/instances/0/virtualAddresses/1', 'mixed-families', 'IPv6 but the first virtual address is IPv4');
  t.equal(errors.length, 1);
  acceptedConfig(configWith(instance({ virtualAddresses: ['203.0.113.10', '203.0.113.11/24'] })));
});

t.test('unicast peers are of the instance\'s family', async (t) => {
  hasIssue(t, errorsOf(t, configWith(instance({ unicastPeers: ['192.0.2.2', '2001:db8::2'] }))),
    '/instances/0/unicastPeers/1', 'peer-family', 'IPv6 but the virtual addresses are IPv4');
  hasIssue(t, errorsOf(t, configWith(instance6({ unicastPeers: ['192.0.2.2'] }))),
    '/instances/0/unicastPeers/0', 'peer-family', 'IPv4 but the virtual addresses are IPv6');
  acceptedConfig(configWith(instance6({ unicastPeers: ['fe80::2', 'fe80::3'] })));
});

t.test('the source address is of the instance\'s family', async (t) => {
  hasIssue(t, errorsOf(t, configWith(instance({ sourceAddress: 'fe80::1' }))), '/instances/0/sourceAddress',
    'source-family', 'IPv6 but the virtual addresses are IPv4');
  acceptedConfig(configWith(instance({ sourceAddress: '192.0.2.1' })));
});

t.test('unicast peers are listed once, compared after normalization', async (t) => {
  hasIssue(t, errorsOf(t, configWith(instance6({ unicastPeers: ['2001:db8::2', '2001:DB8:0::2'] }))),
    '/instances/0/unicastPeers/1', 'duplicate-peer', 'already listed at /instances/0/unicastPeers/0');
  acceptedConfig(configWith(instance6({ sourceAddress: '2001:db8::1', unicastPeers: ['2001:db8::2', '2001:db8::3'] })));
});

t.test('a unicast peer is not the instance\'s own source address', async (t) => {
  hasIssue(t, errorsOf(t, configWith(instance({ sourceAddress: '192.0.2.1', unicastPeers: ['192.0.2.2', '192.0.2.1'] }))),
    '/instances/0/unicastPeers/1', 'peer-is-source', 'own sourceAddress');
  acceptedConfig(configWith(instance({ sourceAddress: '192.0.2.1', unicastPeers: ['192.0.2.2'] })));
});

t.test('a virtual address is listed once per instance, whatever its prefix length', async (t) => {
  hasIssue(t, errorsOf(t, configWith(instance({ virtualAddresses: ['203.0.113.10/32', '203.0.113.11', '203.0.113.10/24'] }))),
    '/instances/0/virtualAddresses/2', 'duplicate-virtual-address', 'already listed at /instances/0/virtualAddresses/0');
  acceptedConfig(configWith(instance({ virtualAddresses: ['203.0.113.10/32', '203.0.113.11/32'] })));
});

t.test('a virtual address belongs to one instance', async (t) => {
  const errors = errorsOf(t, configWith(
    instance6(),
    instance6({ name: 'other', vrid: 62, interface: 'eth1', virtualAddresses: ['2001:db8::11', '2001:DB8::10'] }),
  ));
  hasIssue(t, errors, '/instances/1/virtualAddresses/1', 'shared-virtual-address', 'instance "web6"');
  t.equal(errors.length, 1);
  acceptedConfig(configWith(instance6(), instance6({ name: 'other', vrid: 62, virtualAddresses: ['2001:db8::11'] })));
});

t.test('an advertisement has room for 255 IPv4 or 77 IPv6 addresses', async (t) => {
  t.equal(maxVirtualAddresses(4), 255);
  t.equal(maxVirtualAddresses(6), 77);
  hasIssue(t, errorsOf(t, configWith(instance({ virtualAddresses: addresses(4, 256) }))), '/instances/0/virtualAddresses',
    'too-many-addresses', 'at most 255');
  hasIssue(t, errorsOf(t, configWith(instance6({ virtualAddresses: addresses(6, 78) }))), '/instances/0/virtualAddresses',
    'too-many-addresses', 'at most 77');
  acceptedConfig(configWith(instance({ virtualAddresses: addresses(4, 255) })));
  acceptedConfig(configWith(instance6({ virtualAddresses: addresses(6, 77) })));
});

t.test('priority 255 needs sourceAddress to be one of the virtual addresses', async (t) => {
  for (const extra of [{}, { sourceAddress: '192.0.2.1' }]) {
    hasIssue(t, errorsOf(t, configWith(instance({ priority: 255, ...extra }))), '/instances/0/priority', 'owner-priority',
      'use 254');
  }
  acceptedConfig(configWith(instance({ priority: 255, sourceAddress: '203.0.113.10' })));
  acceptedConfig(configWith(instance6({ priority: 255, sourceAddress: '2001:DB8::10' })));
  acceptedConfig(configWith(instance({ priority: 254 })));
});

t.test('virtual addresses are ordinary unicast addresses', async (t) => {
  const errors = errorsOf(t, configWith(instance({ virtualAddresses: ['203.0.113.10', '169.254.0.5', '203.0.113.0/24'] })));
  hasIssue(t, errors, '/instances/0/virtualAddresses/1', 'virtual-address-class', 'link-local');
  hasIssue(t, errors, '/instances/0/virtualAddresses/2', 'virtual-address-class', 'network address');
  acceptedConfig(configWith(instance6({ virtualAddresses: ['fe80::10/64', '2001:db8::10/64'] })));
});

t.test('peers and the source address are unicast addresses', async (t) => {
  const errors = errorsOf(t, configWith(instance({ unicastPeers: ['224.0.0.18'], sourceAddress: '0.0.0.0' })));
  hasIssue(t, errors, '/instances/0/unicastPeers/0', 'endpoint-address-class', 'multicast');
  hasIssue(t, errors, '/instances/0/sourceAddress', 'endpoint-address-class', 'unspecified');
  acceptedConfig(configWith(instance({ unicastPeers: ['198.51.100.2'], sourceAddress: '198.51.100.1' })));
});

t.test('warning: a preempt delay without preemption does nothing', async (t) => {
  const { warnings } = acceptedConfig(configWith(instance({ preempt: false, preemptDelayMs: 5000 })));
  hasIssue(t, warnings, '/instances/0/preemptDelayMs', 'preempt-delay-ignored', 'no effect');
  t.same(acceptedConfig(configWith(instance({ peers: ['192.0.2.2'], preempt: true, preemptDelayMs: 5000 }))).warnings, []);
  t.same(acceptedConfig(configWith(instance({ peers: ['192.0.2.2'], preempt: false }))).warnings, []);
});

t.test('warning: a group master without preemption cannot take the role back', async (t) => {
  const { warnings } = acceptedConfig(configWith(instance({ groupMaster: true, preempt: false })));
  hasIssue(t, warnings, '/instances/0/preempt', 'group-master-without-preempt', 'will not take the master role back');
  t.same(acceptedConfig(configWith(instance({ peers: ['192.0.2.2'], groupMaster: true }))).warnings, []);
  t.same(acceptedConfig(configWith(instance({ peers: ['192.0.2.2'], groupMaster: false, preempt: false }))).warnings, []);
});

t.test('every cross-check error is reported at once', async (t) => {
  const errors = errorsOf(t, configWith(
    instance({ priority: 255, unicastPeers: ['192.0.2.2', '192.0.2.2'] }),
    instance({ virtualAddresses: ['203.0.113.10', '2001:db8::10'] }),
  ));
  t.same(errors.map((e) => `${e.code} ${e.path}`).sort(), [
    'duplicate-name /instances/1/name',
    'duplicate-peer /instances/0/unicastPeers/1',
    'duplicate-vrid /instances/1/vrid',
    'mixed-families /instances/1/virtualAddresses/1',
    'owner-priority /instances/0/priority',
    'shared-virtual-address /instances/1/virtualAddresses/0',
  ]);
});

t.test('a warning condition is never reported as an error', async (t) => {
  const errors = errorsOf(t, configWith(instance({ preempt: false, preemptDelayMs: 10, priority: 255 })));
  t.same(errors.map((e) => e.code), ['owner-priority']);
});

t.test('every rule has a distinct code', async (t) => {
  const codes = CROSS_CHECKS.map((c) => c.code);
  t.equal(new Set(codes).size, codes.length);
});

t.test('IPv6 unicast peers must have the scope our advertisements go out from', async (t) => {
  const v6 = (overrides: Record<string, unknown>) => configWith(instance6(overrides));
  hasIssue(t, errorsOf(t, v6({ unicastPeers: ['2001:db8::2'] })), '/instances/0/unicastPeers/0', 'ipv6-peer-scope', 'sends from its link-local');
  hasIssue(t, errorsOf(t, v6({ sourceAddress: '2001:db8::1', unicastPeers: ['2001:db8::2', 'fe80::2'] })), '/instances/0/unicastPeers/1', 'ipv6-peer-scope', 'same scope');
  acceptedConfig(v6({ unicastPeers: ['fe80::2', 'fe80::3'] }));
  acceptedConfig(v6({ sourceAddress: '2001:db8::1', unicastPeers: ['2001:db8::2'] }));
});

t.test('warning: a check, hook or tracked file where the unit\'s sandbox hides it', async (t) => {
  const { warnings } = acceptedConfig(configWith(instance({
    track: {
      scripts: [{ name: 'tmp', command: ['/tmp/check.sh'] }, { name: 'home', command: ['/home/ops/check.sh', '/tmp/arg'] }, { name: 'ok', command: ['/usr/local/bin/check'] }],
      files: [{ path: '/var/tmp/prio' }, { path: '/run/ipfailoverd/prio' }],
    },
    notify: [{ command: ['/root/hook.sh'] }, { command: ['/run/user/0/hook'] }, { command: ['/etc/ipfailoverd/hook'] }],
  })));
  hasIssue(t, warnings, '/instances/0/track/scripts/0/command/0', 'hidden-by-sandbox', "/tmp/check.sh: the unit's PrivateTmp=yes hides /tmp: this check can never pass under systemd");
  hasIssue(t, warnings, '/instances/0/track/scripts/1/command/0', 'hidden-by-sandbox', "the unit's ProtectHome=yes hides /home: this check can never pass");
  hasIssue(t, warnings, '/instances/0/track/files/0/path', 'hidden-by-sandbox', "PrivateTmp=yes hides /var/tmp: this file always reads as missing");
  hasIssue(t, warnings, '/instances/0/notify/0/command/0', 'hidden-by-sandbox', "ProtectHome=yes hides /root: this hook can never run");
  hasIssue(t, warnings, '/instances/0/notify/1/command/0', 'hidden-by-sandbox', 'ProtectHome=yes hides /run/user');
  t.equal(warnings.filter((w) => w.code === 'hidden-by-sandbox').length, 5, 'programs and files elsewhere, and arguments, are not warned about');
  // Compared after normalization, and a name that only starts like one of them is elsewhere.
  const odd = acceptedConfig(configWith(instance({ track: { files: [{ path: '/usr/../tmp/prio' }, { path: '/tmpfs/prio' }, { path: '/homes/prio' }] } }))).warnings;
  t.strictSame(odd.filter((w) => w.code === 'hidden-by-sandbox').map((w) => w.path), ['/instances/0/track/files/0/path']);
});

// The peers list (multicast mode): who may advertise. The rules on addresses are the unicast
// peers' rules, run on either list, each error at the entry's own path.
t.test('peers: same family as the instance', async (t) => {
  hasIssue(t, errorsOf(t, configWith(instance({ peers: ['192.0.2.2', '2001:db8::2'] }))),
    '/instances/0/peers/1', 'peer-family', 'IPv6 but the virtual addresses are IPv4');
  const v4InV6 = errorsOf(t, configWith(instance6({ peers: ['fe80::2', '192.0.2.2'] })));
  hasIssue(t, v4InV6, '/instances/0/peers/1', 'peer-family', 'IPv4 but the virtual addresses are IPv6');
  t.same(v4InV6.map((e) => e.code), ['peer-family'], 'one error for it, not a scope error too');
  acceptedConfig(configWith(instance({ peers: ['192.0.2.2', '192.0.2.3'] })));
});

t.test('peers: each listed once, compared after normalization', async (t) => {
  hasIssue(t, errorsOf(t, configWith(instance6({ peers: ['fe80::2', 'FE80:0::2'] }))),
    '/instances/0/peers/1', 'duplicate-peer', 'already listed at /instances/0/peers/0');
});

t.test('peers: not our own sourceAddress', async (t) => {
  hasIssue(t, errorsOf(t, configWith(instance({ sourceAddress: '192.0.2.1', peers: ['192.0.2.2', '192.0.2.1'] }))),
    '/instances/0/peers/1', 'peer-is-source', 'own sourceAddress');
  acceptedConfig(configWith(instance({ sourceAddress: '192.0.2.1', peers: ['192.0.2.2'] })));
});

t.test('peers: IPv6 members advertise from their link-local addresses (RFC 9568 §5.1.2.1)', async (t) => {
  hasIssue(t, errorsOf(t, configWith(instance6({ peers: ['2001:db8::2'] }))), '/instances/0/peers/0', 'ipv6-peer-scope', 'link-local');
  acceptedConfig(configWith(instance6({ peers: ['fe80::2', 'fe80::3'] })));
  acceptedConfig(configWith(instance6({ sourceAddress: '2001:db8::1', peers: ['2001:db8::2'] })));
});

t.test('peers: unicast addresses only', async (t) => {
  hasIssue(t, errorsOf(t, configWith(instance({ peers: ['192.0.2.2', '224.0.0.18'] }))), '/instances/0/peers/1', 'endpoint-address-class', 'multicast');
  hasIssue(t, errorsOf(t, configWith(instance({ peers: ['127.0.0.1'] }))), '/instances/0/peers/0', 'endpoint-address-class', 'loopback');
});

t.test('peers with unicastPeers is an error: the unicast list already says who may advertise', async (t) => {
  const errors = errorsOf(t, configWith(instance({ unicastPeers: ['192.0.2.2'], peers: ['192.0.2.2'] })));
  hasIssue(t, errors, '/instances/0/peers', 'peers-with-unicast', 'unicastPeers already lists who may advertise');
  t.same(errors.map((e) => e.code), ['peers-with-unicast'], 'and only that: the same address in both lists is not a duplicate');
});

t.test('warning: multicast without a peers list lets any host on the LAN take the IP', async (t) => {
  const { warnings } = acceptedConfig(configWith(instance(), instance6({ peers: ['fe80::2'] }), instance({ name: 'uc', vrid: 53, virtualAddresses: ['203.0.113.11/32'], unicastPeers: ['192.0.2.2'] })));
  hasIssue(t, warnings, '/instances/0/peers', 'multicast-without-peers', 'any host on the LAN can take the IP');
  t.same(warnings.map((w) => w.path), ['/instances/0/peers'], 'not with peers, not in unicast mode');
  const owner = acceptedConfig(configWith(instance({ priority: 255, sourceAddress: '203.0.113.10', virtualAddresses: ['203.0.113.10/32'] })));
  t.same(owner.warnings, [], 'not on the owner, which ignores every advertisement (§7.1)');
});
