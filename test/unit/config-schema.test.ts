// The JSON Schema stage: defaults, and one test per kind of schema error,
// each asserting on the JSON Pointer and the issue code.
import { readFileSync } from 'node:fs';
import t from 'tap';
import { validateConfig } from '../../src/config/load.js';
import { acceptedConfig, configWith, errorsOf, hasIssue, instance, instance6 } from '../helpers/config-documents.js';

// From dist/test/unit/ back to the repository root.
const EXAMPLE = new URL('../../../config.example.json', import.meta.url);

t.test('config.example.json validates, warning only that its multicast instance has no peers list', async (t) => {
  const { config, warnings } = acceptedConfig(JSON.parse(readFileSync(EXAMPLE, 'utf8')));
  t.same(warnings.map((w) => `${w.code} ${w.path}`), ['multicast-without-peers /instances/0/peers']);
  t.same(config.instances.map((i) => [i.name, i.vrid, i.family]), [['web', 51, 4], ['db', 52, 6]]);
  const web = config.instances[0];
  t.equal(web?.groupMaster, true);
  t.equal(web?.priority, 150);
  t.same(web?.virtualAddresses, [{ given: '203.0.113.10/32', family: 4, address: '203.0.113.10', prefixLength: 32 }]);
  t.same(config.instances[1]?.unicastPeers?.map((p) => p.address), ['2001:db8:0:1::2', '2001:db8:0:1::3']);
});

t.test('defaults are applied to everything left out', async (t) => {
  const { config } = acceptedConfig(configWith(instance()));
  t.equal(config.statusSocket, '/run/ipfailoverd/ipfailoverd.sock');
  t.equal(config.statusSocketGroup, 'ipfailoverd');
  t.equal(config.statusSocketAdminGroup, 'ipfailoverd-admin');
  t.same(config.log, { level: 'info' });
  t.same(config.instances[0], {
    name: 'web',
    interface: 'eth0',
    vrid: 51,
    priority: 100,
    advertIntervalMs: 1000,
    family: 4,
    virtualAddresses: [{ given: '203.0.113.10/32', family: 4, address: '203.0.113.10', prefixLength: 32 }],
    unicastPeers: undefined,
    peers: undefined,
    sourceAddress: undefined,
    preempt: true,
    preemptDelayMs: 0,
    startupDelayMs: 0,
    groupMaster: false,
    groupMasterWaitMs: 10_000,
    checksum: 'rfc5798',
    announce: { count: 5, intervalMs: 200, refreshIntervalMs: 60_000 },
    track: { interfaces: [], scripts: [], files: [] },
    notify: [],
  });
});

t.test('a partly given nested object keeps its values and gets the other defaults', async (t) => {
  const { config } = acceptedConfig(configWith(instance({ announce: { count: 0 } })));
  t.same(config.instances[0]?.announce, { count: 0, intervalMs: 200, refreshIntervalMs: 60_000 });
});

t.test('validation does not modify the caller\'s document', async (t) => {
  const document = configWith(instance());
  const before = JSON.stringify(document);
  acceptedConfig(document);
  t.equal(JSON.stringify(document), before);
});

t.test('boundary values are accepted', async (t) => {
  const { config } = acceptedConfig(configWith(
    instance({ vrid: 1, priority: 1, advertIntervalMs: 10, preemptDelayMs: 3_600_000,
      announce: { count: 100, intervalMs: 10_000, refreshIntervalMs: 1000 } }),
    instance6({ vrid: 255, priority: 254, advertIntervalMs: 40_950, startupDelayMs: 3_600_000,
      announce: { count: 0, intervalMs: 10, refreshIntervalMs: 86_400_000 }, checksum: 'rfc9568', interface: 'a23456789012345' }),
  ));
  t.equal(config.instances.length, 2);
});

t.test('the document must be an object', async (t) => {
  for (const value of [null, [], 'instances', 42]) {
    hasIssue(t, errorsOf(t, value), '', 'schema.type', 'must be object');
  }
});

t.test('a missing required property is reported at its own path', async (t) => {
  hasIssue(t, errorsOf(t, {}), '/instances', 'schema.required', '"instances"');
  const { vrid: _omitted, ...withoutVrid } = instance();
  hasIssue(t, errorsOf(t, configWith(withoutVrid)), '/instances/0/vrid', 'schema.required', '"vrid"');
});

t.test('an unknown property is reported at its path, with a suggestion for a typo', async (t) => {
  const errors = errorsOf(t, configWith(instance({ priorty: 120 })));
  hasIssue(t, errors, '/instances/0/priorty', 'schema.additionalProperties', 'did you mean "priority"');
  hasIssue(t, errorsOf(t, { ...configWith(instance()), logging: {} }), '/logging', 'schema.additionalProperties', '"logging"');
  hasIssue(t, errorsOf(t, { ...configWith(instance()), log: { level: 'info', colour: true } }), '/log/colour',
    'schema.additionalProperties', '"colour"');
  hasIssue(t, errorsOf(t, configWith(instance({ announce: { counts: 3 } }))), '/instances/0/announce/counts',
    'schema.additionalProperties', 'did you mean "count"');
  const unlike = errorsOf(t, configWith(instance({ zzz: 1 })));
  hasIssue(t, unlike, '/instances/0/zzz', 'schema.additionalProperties', 'unknown property "zzz"');
  t.notMatch(unlike[0]?.message, 'did you mean');
});

t.test('a property name with "/" or "~" is escaped in the pointer', async (t) => {
  hasIssue(t, errorsOf(t, { ...configWith(instance()), 'a/b~c': 1 }), '/a~1b~0c', 'schema.additionalProperties', 'a/b~c');
});

t.test('wrong types name the expected type', async (t) => {
  const errors = errorsOf(t, configWith(instance({ vrid: '51', preempt: 'yes', virtualAddresses: '203.0.113.10' })));
  hasIssue(t, errors, '/instances/0/vrid', 'schema.type', 'must be integer');
  hasIssue(t, errors, '/instances/0/preempt', 'schema.type', 'must be boolean');
  hasIssue(t, errors, '/instances/0/virtualAddresses', 'schema.type', 'must be array');
  hasIssue(t, errorsOf(t, configWith(instance({ priority: 100.5 }))), '/instances/0/priority', 'schema.type', 'must be integer');
});

t.test('numbers out of range', async (t) => {
  const errors = errorsOf(t, configWith(instance({ vrid: 256, priority: 0, advertIntervalMs: 40_960, preemptDelayMs: -1 })));
  hasIssue(t, errors, '/instances/0/vrid', 'schema.maximum', 'must be <= 255');
  hasIssue(t, errors, '/instances/0/priority', 'schema.minimum', 'reserved');
  hasIssue(t, errors, '/instances/0/advertIntervalMs', 'schema.maximum', '40950');
  hasIssue(t, errors, '/instances/0/preemptDelayMs', 'schema.minimum', 'must be >= 0');
  hasIssue(t, errorsOf(t, configWith(instance({ vrid: 0 }))), '/instances/0/vrid', 'schema.minimum', 'must be >= 1');
  hasIssue(t, errorsOf(t, configWith(instance({ startupDelayMs: 3_600_001 }))), '/instances/0/startupDelayMs',
    'schema.maximum', 'must be <= 3600000');
  hasIssue(t, errorsOf(t, configWith(instance({ announce: { count: 101 } }))), '/instances/0/announce/count',
    'schema.maximum', 'must be <= 100');
  hasIssue(t, errorsOf(t, configWith(instance({ announce: { intervalMs: 5 } }))), '/instances/0/announce/intervalMs',
    'schema.minimum', 'must be >= 10');
});

t.test('the advertisement interval is whole centiseconds', async (t) => {
  hasIssue(t, errorsOf(t, configWith(instance({ advertIntervalMs: 1005 }))), '/instances/0/advertIntervalMs',
    'schema.multipleOf', 'multiple of 10');
  hasIssue(t, errorsOf(t, configWith(instance({ advertIntervalMs: 0 }))), '/instances/0/advertIntervalMs',
    'schema.minimum', 'must be >= 10');
});

t.test('the announcement refresh is off (0) or at least a second', async (t) => {
  const errors = errorsOf(t, configWith(instance({ announce: { refreshIntervalMs: 500 } })));
  hasIssue(t, errors, '/instances/0/announce/refreshIntervalMs', 'schema.minimum', 'must be 0 (off) or >= 1000');
  t.equal(errors.length, 1, 'the "if" wrapper adds no second error');
  hasIssue(t, errorsOf(t, configWith(instance({ announce: { refreshIntervalMs: 86_400_001 } }))),
    '/instances/0/announce/refreshIntervalMs', 'schema.maximum', 'must be <= 86400000');
});

t.test('enumerations list the allowed values', async (t) => {
  hasIssue(t, errorsOf(t, { ...configWith(instance()), log: { level: 'verbose' } }), '/log/level', 'schema.enum', '"debug"');
  hasIssue(t, errorsOf(t, configWith(instance({ checksum: 'rfc3768' }))), '/instances/0/checksum', 'schema.enum',
    '"rfc9568", "rfc5798"');
});

t.test('instance names', async (t) => {
  for (const name of ['', '-web', 'web server', 'a'.repeat(33), 'wéb']) {
    hasIssue(t, errorsOf(t, configWith(instance({ name }))), '/instances/0/name', 'schema.pattern', 'starting with a letter or digit');
  }
  for (const name of ['a', 'web_1.prod-2', 'A'.repeat(32)]) acceptedConfig(configWith(instance({ name })));
});

t.test('interface names follow the kernel rules', async (t) => {
  hasIssue(t, errorsOf(t, configWith(instance({ interface: '' }))), '/instances/0/interface', 'schema.minLength',
    'must NOT have fewer than 1 characters');
  hasIssue(t, errorsOf(t, configWith(instance({ interface: 'a234567890123456' }))), '/instances/0/interface',
    'schema.maxLength', 'must NOT have more than 15 characters');
  for (const name of ['eth/0', 'eth0:1', 'eth 0', 'eth\t0', 'éth0']) {
    hasIssue(t, errorsOf(t, configWith(instance({ interface: name }))), '/instances/0/interface', 'schema.pattern',
      'Linux interface name');
  }
  for (const name of ['.', '..']) {
    hasIssue(t, errorsOf(t, configWith(instance({ interface: name }))), '/instances/0/interface', 'schema.not', 'must not be');
  }
  for (const name of ['eth0', 'ens3', 'br-lan.100', 'vlan@x']) acceptedConfig(configWith(instance({ interface: name })));
});

t.test('the status socket is an absolute path that fits sun_path', async (t) => {
  hasIssue(t, errorsOf(t, { ...configWith(instance()), statusSocket: 'run/ipfailoverd.sock' }), '/statusSocket',
    'schema.pattern', 'absolute path');
  hasIssue(t, errorsOf(t, { ...configWith(instance()), statusSocket: '/' + 'a'.repeat(107) }), '/statusSocket',
    'schema.maxLength', '107');
  acceptedConfig({ ...configWith(instance()), statusSocket: '/tmp/x.sock' });
  hasIssue(t, errorsOf(t, { ...configWith(instance()), statusSocketGroup: 'Ops Team' }), '/statusSocketGroup', 'schema.pattern', 'group name');
  hasIssue(t, errorsOf(t, { ...configWith(instance()), statusSocketAdminGroup: 'Admins!' }), '/statusSocketAdminGroup', 'schema.pattern', 'group name');
  hasIssue(t, errorsOf(t, configWith(instance({ groupMasterAddress: '192.0.2.300' }))), '/instances/0/groupMasterAddress', 'schema.ipAddress', 'not an IPv4 or IPv6 address');
});

t.test('lists that must not be empty', async (t) => {
  hasIssue(t, errorsOf(t, { instances: [] }), '/instances', 'schema.minItems', 'must NOT have fewer than 1 items');
  hasIssue(t, errorsOf(t, configWith(instance({ virtualAddresses: [] }))), '/instances/0/virtualAddresses',
    'schema.minItems', 'fewer than 1');
  hasIssue(t, errorsOf(t, configWith(instance({ unicastPeers: [] }))), '/instances/0/unicastPeers',
    'schema.minItems', 'fewer than 1');
  hasIssue(t, errorsOf(t, configWith(instance({ peers: [] }))), '/instances/0/peers', 'schema.minItems', 'fewer than 1');
});

t.test('peers: addresses, parsed and normalized', async (t) => {
  hasIssue(t, errorsOf(t, configWith(instance({ peers: ['192.0.2.2', '192.0.2.3/24'] }))), '/instances/0/peers/1', 'schema.ipAddress', 'without a /prefix length');
  const { config } = acceptedConfig(configWith(instance6({ peers: ['FE80::2'] })));
  t.same(config.instances[0]?.peers?.map((p) => p.address), ['fe80::2']);
});

t.test('addresses that do not parse are reported at their index with the reason', async (t) => {
  const errors = errorsOf(t, configWith(instance({
    virtualAddresses: ['203.0.113.10/32', '203.0.113.11/33'],
    unicastPeers: ['192.0.2.2', 'peer-b'],
    sourceAddress: '192.0.2.1/24',
  })));
  hasIssue(t, errors, '/instances/0/virtualAddresses/1', 'schema.ipAddress', 'prefix length must be 1..32');
  hasIssue(t, errors, '/instances/0/unicastPeers/1', 'schema.ipAddress', 'not an IPv4 or IPv6 address');
  hasIssue(t, errors, '/instances/0/sourceAddress', 'schema.ipAddress', 'without a /prefix length');
  t.equal(errors.length, 3);
  hasIssue(t, errorsOf(t, configWith(instance({ virtualAddresses: [42] }))), '/instances/0/virtualAddresses/0',
    'schema.type', 'must be string');
});

t.test('every schema error is reported at once', async (t) => {
  const errors = errorsOf(t, {
    statusSocket: 'relative.sock',
    log: { level: 'loud' },
    instances: [
      instance({ vrid: 300, advertIntervalMs: 15 }),
      instance({ name: 'db', interface: 'eth0:1', virtualAddresses: ['nope'], extra: true }),
    ],
  });
  t.same(errors.map((e) => e.path).sort(), [
    '/instances/0/advertIntervalMs',
    '/instances/0/vrid',
    '/instances/1/extra',
    '/instances/1/interface',
    '/instances/1/virtualAddresses/0',
    '/log/level',
    '/statusSocket',
  ]);
});

t.test('a value that is not JSON at all is refused, not thrown', async (t) => {
  const result = validateConfig({ instances: [instance({ name: () => 'web' })] });
  t.equal(result.ok, false);
  if (!result.ok) t.equal(result.errors[0]?.path, '');
});

t.test('groupMasterWaitMs: 10 s unless given, 0 allowed, whole milliseconds up to an hour', async (t) => {
  const given = acceptedConfig(configWith(instance({ groupMasterAddress: '192.0.2.1', groupMasterWaitMs: 0 }))).config.instances[0];
  t.equal(given?.groupMasterWaitMs, 0, '0 turns the wait off');
  const at = '/instances/0/groupMasterWaitMs';
  hasIssue(t, errorsOf(t, configWith(instance({ groupMasterWaitMs: -1 }))), at, 'schema.minimum', 'must be >= 0');
  hasIssue(t, errorsOf(t, configWith(instance({ groupMasterWaitMs: 3_600_001 }))), at, 'schema.maximum', 'must be <= 3600000');
  hasIssue(t, errorsOf(t, configWith(instance({ groupMasterWaitMs: 1.5 }))), at, 'schema.type', 'must be integer');
  hasIssue(t, errorsOf(t, configWith(instance({ groupMasterWaitMs: '10s' }))), at, 'schema.type', 'must be integer');
});
