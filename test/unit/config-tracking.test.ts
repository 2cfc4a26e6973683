// Configuration of health tracking (track) and notify hooks: defaults, the range of every
// field, and the cross-checks, each asserted on the JSON Pointer and the issue code.
import t from 'tap';
import { acceptedConfig, configWith, errorsOf, hasIssue, instance, type Json } from '../helpers/config-documents.js';

const SCRIPT = { name: 'web-health', command: ['/usr/local/bin/check-web', '--quiet'] };
const OWNER = { priority: 255, sourceAddress: '203.0.113.10' };

/** The one instance of an accepted document. */
function accepted(overrides: Json) {
  const first = acceptedConfig(configWith(instance(overrides))).config.instances[0];
  if (first === undefined) throw new Error('no instance');
  return first;
}

t.test('without track or notify: empty lists', async (t) => {
  const config = accepted({});
  t.same(config.track, { interfaces: [], scripts: [], files: [] });
  t.same(config.notify, []);
});

t.test('a partly given track gets the other lists', async (t) => {
  t.same(accepted({ track: { files: [{ path: '/run/x' }] } }).track, {
    interfaces: [],
    scripts: [],
    files: [{ path: '/run/x', weight: 1 }],
  });
});

t.test('defaults of each tracker and hook', async (t) => {
  const config = accepted({
    track: { interfaces: [{ name: 'eth1' }], scripts: [SCRIPT], files: [{ path: '/run/ipfailoverd/web' }] },
    notify: [{ command: ['/usr/local/bin/on-change'] }],
  });
  t.same(config.track.interfaces, [{ name: 'eth1', weight: 0 }]);
  t.same(config.track.scripts, [{ ...SCRIPT, intervalMs: 2000, timeoutMs: 1000, rise: 1, fall: 1, weight: 0, initiallyHealthy: false }]);
  t.same(config.track.files, [{ path: '/run/ipfailoverd/web', weight: 1 }]);
  t.same(config.notify, [{ command: ['/usr/local/bin/on-change'], timeoutMs: 10_000, form: 'ipfailoverd' }]);
});

t.test('boundary values are accepted', async (t) => {
  const config = accepted({
    track: {
      interfaces: [{ name: 'eth1', weight: -254 }, { name: 'eth2', weight: 254 }],
      scripts: [
        { ...SCRIPT, intervalMs: 100, timeoutMs: 10, rise: 100, fall: 100, weight: -254 },
        { name: 'b', command: ['/bin/true'], intervalMs: 3_600_000, timeoutMs: 600_000, rise: 1, fall: 1, weight: 254 },
      ],
      files: [{ path: '/', weight: -254 }, { path: '/run/y', weight: 0 }],
    },
    notify: [{ command: ['/bin/true', ''], timeoutMs: 100 }, { command: ['/bin/true'], timeoutMs: 600_000 }],
  });
  t.equal(config.track.scripts.length, 2);
  t.equal(config.notify.length, 2);
});

t.test('values out of range, each at its own path', async (t) => {
  const at = '/instances/0/track';
  const cases: Array<[Json, string, string]> = [
    [{ interfaces: [{ name: 'eth1', weight: 255 }] }, `${at}/interfaces/0/weight`, 'schema.maximum'],
    [{ interfaces: [{ name: 'eth1', weight: -255 }] }, `${at}/interfaces/0/weight`, 'schema.minimum'],
    [{ interfaces: [{ name: 'eth1', weight: 1.5 }] }, `${at}/interfaces/0/weight`, 'schema.type'],
    [{ scripts: [{ ...SCRIPT, intervalMs: 99 }] }, `${at}/scripts/0/intervalMs`, 'schema.minimum'],
    [{ scripts: [{ ...SCRIPT, intervalMs: 3_600_001 }] }, `${at}/scripts/0/intervalMs`, 'schema.maximum'],
    [{ scripts: [{ ...SCRIPT, timeoutMs: 9 }] }, `${at}/scripts/0/timeoutMs`, 'schema.minimum'],
    [{ scripts: [{ ...SCRIPT, intervalMs: 3_600_000, timeoutMs: 600_001 }] }, `${at}/scripts/0/timeoutMs`, 'schema.maximum'],
    [{ scripts: [{ ...SCRIPT, rise: 0 }] }, `${at}/scripts/0/rise`, 'schema.minimum'],
    [{ scripts: [{ ...SCRIPT, fall: 101 }] }, `${at}/scripts/0/fall`, 'schema.maximum'],
    [{ scripts: [{ ...SCRIPT, weight: 300 }] }, `${at}/scripts/0/weight`, 'schema.maximum'],
    [{ files: [{ path: '/run/x', weight: -300 }] }, `${at}/files/0/weight`, 'schema.minimum'],
  ];
  for (const [track, path, code] of cases) {
    const errors = errorsOf(t, configWith(instance({ track })));
    t.ok(errors.some((e) => e.path === path && e.code === code), `${path}: ${code}`, { found: errors });
  }
  const hook = errorsOf(t, configWith(instance({ notify: [{ command: ['/bin/true'], timeoutMs: 99 }] })));
  t.ok(hook.some((e) => e.path === '/instances/0/notify/0/timeoutMs' && e.code === 'schema.minimum'));
  const long = errorsOf(t, configWith(instance({ notify: [{ command: ['/bin/true'], timeoutMs: 600_001 }] })));
  t.ok(long.some((e) => e.path === '/instances/0/notify/0/timeoutMs' && e.code === 'schema.maximum'));
});

t.test('names follow the rules of instance names and interface names', async (t) => {
  hasIssue(t, errorsOf(t, configWith(instance({ track: { scripts: [{ ...SCRIPT, name: '-x' }] } }))),
    '/instances/0/track/scripts/0/name', 'schema.pattern', 'must be 1-32 characters');
  hasIssue(t, errorsOf(t, configWith(instance({ track: { interfaces: [{ name: 'eth:1' }] } }))),
    '/instances/0/track/interfaces/0/name', 'schema.pattern', 'must be a Linux interface name');
  hasIssue(t, errorsOf(t, configWith(instance({ track: { interfaces: [{ name: 'a-very-long-ifname' }] } }))),
    '/instances/0/track/interfaces/0/name', 'schema.maxLength', 'must NOT have more than 15 characters');
  hasIssue(t, errorsOf(t, configWith(instance({ track: { interfaces: [{ name: '..' }] } }))),
    '/instances/0/track/interfaces/0/name', 'schema.not', 'must not be "." or ".."');
});

t.test('required fields and unknown ones', async (t) => {
  hasIssue(t, errorsOf(t, configWith(instance({ track: { scripts: [{ name: 'x' }] } }))),
    '/instances/0/track/scripts/0/command', 'schema.required', 'required property "command"');
  hasIssue(t, errorsOf(t, configWith(instance({ track: { files: [{ weight: 2 }] } }))),
    '/instances/0/track/files/0/path', 'schema.required', 'required property "path"');
  hasIssue(t, errorsOf(t, configWith(instance({ track: { script: [] } }))),
    '/instances/0/track/script', 'schema.additionalProperties', 'did you mean "scripts"?');
  hasIssue(t, errorsOf(t, configWith(instance({ notify: [{ command: ['/bin/true'], timoutMs: 5 }] }))),
    '/instances/0/notify/0/timoutMs', 'schema.additionalProperties', 'did you mean "timeoutMs"?');
});

t.test('commands: at least the program, named by an absolute path, no NUL anywhere', async (t) => {
  hasIssue(t, errorsOf(t, configWith(instance({ notify: [{ command: [] }] }))),
    '/instances/0/notify/0/command', 'schema.minItems', 'must NOT have fewer than 1 items');
  hasIssue(t, errorsOf(t, configWith(instance({ track: { scripts: [{ ...SCRIPT, command: ['check-web'] }] } }))),
    '/instances/0/track/scripts/0/command/0', 'command-not-absolute', '"check-web" must be an absolute path');
  hasIssue(t, errorsOf(t, configWith(instance({ notify: [{ command: ['./hook.sh', 'x'] }] }))),
    '/instances/0/notify/0/command/0', 'command-not-absolute', 'without a shell');
  hasIssue(t, errorsOf(t, configWith(instance({ notify: [{ command: ['/bin/echo', 'a\u0000b'] }] }))),
    '/instances/0/notify/0/command/1', 'schema.pattern', 'must not contain a NUL character');
  hasIssue(t, errorsOf(t, configWith(instance({ track: { scripts: [{ ...SCRIPT, command: ['/bin/true', 7] }] } }))),
    '/instances/0/track/scripts/0/command/1', 'schema.type', 'must be string');
  // Arguments are passed as they are: relative paths and spaces are fine after the program.
  acceptedConfig(configWith(instance({ notify: [{ command: ['/usr/bin/logger', '-t', 'vrrp notify', './x'] }] })));
});

t.test('a tracked file is named by an absolute path', async (t) => {
  hasIssue(t, errorsOf(t, configWith(instance({ track: { files: [{ path: 'run/x' }] } }))),
    '/instances/0/track/files/0/path', 'schema.pattern', 'must be an absolute path');
});

t.test('the address owner (priority 255) tracks nothing', async (t) => {
  for (const track of [{ interfaces: [{ name: 'eth1' }] }, { scripts: [SCRIPT] }, { files: [{ path: '/run/x' }] }]) {
    const errors = errorsOf(t, configWith(instance({ ...OWNER, track })));
    hasIssue(t, errors, '/instances/0/track', 'owner-tracking', 'priority must stay 255');
    t.equal(errors.length, 1);
  }
  // Empty lists, notify hooks, and tracking below 255 are all fine.
  acceptedConfig(configWith(instance({ ...OWNER, track: { interfaces: [], scripts: [], files: [] }, notify: [{ command: ['/bin/true'] }] })));
  acceptedConfig(configWith(instance({ priority: 254, track: { scripts: [SCRIPT] } })));
});

t.test('a tracker is listed once per instance', async (t) => {
  const errors = errorsOf(t, configWith(instance({
    track: {
      interfaces: [{ name: 'eth1' }, { name: 'eth2' }, { name: 'eth1', weight: -10 }],
      scripts: [SCRIPT, { ...SCRIPT, command: ['/bin/true'] }],
      files: [{ path: '/run/x' }, { path: '/run/x', weight: 2 }],
    },
  })));
  hasIssue(t, errors, '/instances/0/track/interfaces/2/name', 'duplicate-track', 'interface "eth1" is already tracked at /instances/0/track/interfaces/0');
  hasIssue(t, errors, '/instances/0/track/scripts/1/name', 'duplicate-track', 'script name "web-health" is already tracked at /instances/0/track/scripts/0');
  hasIssue(t, errors, '/instances/0/track/files/1/path', 'duplicate-track', 'file "/run/x" is already tracked at /instances/0/track/files/0');
  t.equal(errors.length, 3);
  // Names are per instance: another instance may use the same script name.
  acceptedConfig(configWith(
    instance({ track: { scripts: [SCRIPT] } }),
    instance({ name: 'api', vrid: 52, virtualAddresses: ['203.0.113.11'], track: { scripts: [SCRIPT] } }),
  ));
});

t.test('a script\'s timeout is at most its interval', async (t) => {
  const errors = errorsOf(t, configWith(instance({ track: { scripts: [{ ...SCRIPT, intervalMs: 1000, timeoutMs: 1001 }] } })));
  hasIssue(t, errors, '/instances/0/track/scripts/0/timeoutMs', 'script-timeout', '1001 is longer than intervalMs (1000)');
  t.equal(errors.length, 1);
  // The defaults alone would break the rule for a short interval.
  hasIssue(t, errorsOf(t, configWith(instance({ track: { scripts: [{ ...SCRIPT, intervalMs: 500 }] } }))),
    '/instances/0/track/scripts/0/timeoutMs', 'script-timeout', 'longer than intervalMs (500)');
  acceptedConfig(configWith(instance({ track: { scripts: [{ ...SCRIPT, intervalMs: 1000, timeoutMs: 1000 }] } })));
});

t.test('initiallyHealthy: false unless given, and a boolean', async (t) => {
  t.equal(accepted({ track: { scripts: [{ ...SCRIPT, initiallyHealthy: true }] } }).track.scripts[0]?.initiallyHealthy, true);
  hasIssue(t, errorsOf(t, configWith(instance({ track: { scripts: [{ ...SCRIPT, initiallyHealthy: 'yes' }] } }))),
    '/instances/0/track/scripts/0/initiallyHealthy', 'schema.type', 'must be boolean');
});
