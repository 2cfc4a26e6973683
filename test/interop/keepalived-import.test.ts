// `ipfailoverctl import-keepalived` on keepalived configurations of the shapes a real site has.
// Every fixture is first checked by keepalived 2.2.7 itself (`keepalived -t -f FILE`, in a
// namespace that has the interfaces it names, as keepalived refuses unknown ones), so every input
// is real keepalived syntax; then the importer's JSON, its stderr lines (what was not carried over)
// and `ipfailoverd --check-config` on the output are asserted.
import t, { type Test } from 'tap';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CTL = fileURLToPath(new URL('../../src/cli/ipfailoverctl.js', import.meta.url));
const DAEMON = fileURLToPath(new URL('../../src/cli/ipfailoverd.js', import.meta.url));
const NS = `ipfo-imp-${randomBytes(3).toString('hex')}`;

// keepalived refuses scripts unless script security is on (a warning makes -t exit non-zero).
const SECURE = 'global_defs {\n  script_user root\n  enable_script_security\n';

function sh(...args: string[]) {
  return spawnSync(args[0] as string, args.slice(1), { encoding: 'utf8' });
}

t.before(() => {
  for (const cmd of [['ip', 'netns', 'add', NS], ['ip', '-n', NS, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth1']]) {
    const r = sh(...cmd);
    if (r.status !== 0) throw new Error(`${cmd.join(' ')}: ${r.stderr}`);
  }
});
t.teardown(() => {
  sh('ip', 'netns', 'del', NS);
});

/** keepalived's own verdict on a file: its exit status and what it said. */
function keepalivedCheck(file: string) {
  return sh('ip', 'netns', 'exec', NS, 'keepalived', '-t', '-f', file);
}

/** Runs the importer; stderr lines with the fixture directory taken off the paths. */
function importFile(dir: string, file: string) {
  const r = sh(process.execPath, CTL, 'import-keepalived', join(dir, file));
  const lines = r.stderr.split('\n').filter((line) => line !== '').map((line) => line.split(`${dir}/`).join(''));
  return { status: r.status, json: r.status === 0 ? (JSON.parse(r.stdout) as Record<string, unknown>) : undefined, lines };
}

function checkConfig(dir: string, json: unknown) {
  const file = join(dir, 'imported.json');
  writeFileSync(file, JSON.stringify(json));
  return sh(process.execPath, DAEMON, '--check-config', file);
}

/** Writes the fixture, requires keepalived to accept it, imports it and requires --check-config to accept that. */
function imported(t: Test, files: Record<string, string | Record<string, string>>, main = 'keepalived.conf') {
  const dir = t.testdir(files);
  const keepalived = keepalivedCheck(join(dir, main));
  t.equal(keepalived.status, 0, `keepalived -t accepts the fixture${keepalived.stderr === '' ? '' : `: ${keepalived.stderr}`}`);
  const result = importFile(dir, main);
  t.equal(result.status, 0, `imported: ${result.lines.join('\n')}`);
  const check = checkConfig(dir, result.json);
  t.equal(check.status, 0, `ipfailoverd --check-config accepts the output: ${check.stderr}`);
  return result;
}

t.test('a site: several instances, unicast, scripts with weights, tracked interface and file, notify scripts, an include', async (t) => {
  const { json, lines } = imported(t, {
    'keepalived.conf': `! Configuration File for keepalived
${SECURE}  router_id lb1
  vrrp_version 3
  vrrp_garp_master_refresh 30
  vrrp_garp_master_repeat 3
}

vrrp_script chk_web {
  script "/usr/bin/test -e /run/web.ok"   # the web server writes it
  interval 2
  timeout 1
  rise 2
  fall 3
  weight -20
}

vrrp_script chk_db {
  script "pidof postgres"
  interval 5
  init_fail
}

vrrp_track_file maint {
  file /run/maintenance
  weight -10
}

include conf.d/*.conf
`,
    'conf.d': {
      'web.conf': `vrrp_instance web {
  state MASTER
  interface eth0
  virtual_router_id 51
  priority 150
  advert_int 0.5
  unicast_src_ip 192.0.2.1
  unicast_peer {
    192.0.2.2
    192.0.2.3
  }
  virtual_ipaddress {
    203.0.113.10/32 dev eth0 label eth0:web
    203.0.113.11/32
  }
  track_script {
    chk_web
  }
  track_interface {
    eth1 weight -30
  }
  notify "/usr/bin/logger -t keepalived-web"
  notify_master "/usr/bin/systemctl start haproxy"
  notify_backup "/usr/bin/systemctl stop haproxy"
  notify_stop /usr/bin/logger root
}
`,
      'db.conf': `vrrp_instance db {
  state BACKUP
  interface eth0
  virtual_router_id 52
  priority 100
  advert_int 1
  nopreempt
  virtual_ipaddress {
    203.0.113.20/24
  }
  track_script {
    chk_db weight 0
  }
  track_file {
    maint weight -5
  }
  notify_fault "/usr/bin/logger -t keepalived-db fault"
}
`,
    },
  });
  const announce = { refreshIntervalMs: 30_000, count: 3 };
  t.same(json, {
    instances: [
      {
        name: 'db',
        interface: 'eth0',
        vrid: 52,
        priority: 100,
        advertIntervalMs: 1000,
        virtualAddresses: ['203.0.113.20/24'],
        preempt: false,
        announce,
        track: {
          scripts: [{ name: 'chk_db', command: ['/usr/bin/pidof', 'postgres'], intervalMs: 5000, timeoutMs: 5000, rise: 1, fall: 1, weight: 0, initiallyHealthy: false }],
          files: [{ path: '/run/maintenance', weight: -5 }],
        },
        notify: [{ command: ['/usr/bin/logger', '-t', 'keepalived-db', 'fault'], form: 'none', on: ['FAULT'] }],
      },
      {
        name: 'web',
        interface: 'eth0',
        vrid: 51,
        priority: 150,
        advertIntervalMs: 500,
        virtualAddresses: ['203.0.113.10/32', '203.0.113.11/32'],
        unicastPeers: ['192.0.2.2', '192.0.2.3'],
        sourceAddress: '192.0.2.1',
        groupMaster: true,
        announce,
        track: {
          interfaces: [{ name: 'eth1', weight: -30 }],
          scripts: [{ name: 'chk_web', command: ['/usr/bin/test', '-e', '/run/web.ok'], intervalMs: 2000, timeoutMs: 1000, rise: 2, fall: 3, weight: -20, initiallyHealthy: true }],
        },
        // keepalived runs the notify_* scripts first, then notify with its four arguments.
        notify: [
          { command: ['/usr/bin/systemctl', 'start', 'haproxy'], form: 'none', on: ['MASTER'] },
          { command: ['/usr/bin/systemctl', 'stop', 'haproxy'], form: 'none', on: ['BACKUP'] },
          { command: ['/usr/bin/logger'], form: 'none', on: ['STOP'], user: 'root' },
          { command: ['/usr/bin/logger', '-t', 'keepalived-web'], form: 'keepalived' },
        ],
      },
    ],
  });
  t.same(lines, [
    "keepalived.conf:3: script_user: not carried over: scripts and hooks run as ipfailoverd itself (root, inside the unit's sandbox: systemd/ipfailoverd.service)",
    "keepalived.conf:4: enable_script_security: not carried over: nothing to enable: ipfailoverd runs commands by absolute path without a shell, inside the unit's sandbox",
    'keepalived.conf:5: router_id: not carried over: ipfailoverd has no router id: it names instances only',
    'keepalived.conf:21: script: "pidof" is /usr/bin/pidof here: ipfailoverd runs commands by absolute path',
    "conf.d/web.conf:2: state: MASTER is keepalived's initial state, which ipfailoverd does not have (every instance starts as Backup and elects): mapped to groupMaster: true, this VM being the group's configured master; set it on one member only",
    'conf.d/web.conf:13: 203.0.113.10/32: label eth0:web not carried over (ipfailoverd adds the address with its prefix only)',
  ]);
});

t.test('a sync group of an IPv4 and an IPv6 instance, keepalived left at its default VRRP version (2)', async (t) => {
  const { json, lines } = imported(t, {
    'keepalived.conf': `${SECURE}}
vrrp_sync_group svc {
  group {
    web4
    web6
  }
  notify "/usr/bin/logger -t keepalived-svc"
}
vrrp_instance web4 {
  interface eth0
  virtual_router_id 61
  priority 120
  preempt_delay 30
  virtual_ipaddress {
    198.51.100.10/24
  }
}
vrrp_instance web6 {
  interface eth0
  virtual_router_id 61
  priority 120
  advert_int 0.1
  virtual_ipaddress {
    fe80::61/64
    2001:db8:61::10/64
  }
}
`,
  });
  t.same(json, {
    instances: [
      { name: 'web4', interface: 'eth0', vrid: 61, priority: 120, virtualAddresses: ['198.51.100.10/24'], preemptDelayMs: 30_000 },
      { name: 'web6', interface: 'eth0', vrid: 61, priority: 120, advertIntervalMs: 100, virtualAddresses: ['fe80::61/64', '2001:db8:61::10/64'] },
    ],
    syncGroups: [{ name: 'svc', instances: ['web4', 'web6'], notify: [{ command: ['/usr/bin/logger', '-t', 'keepalived-svc'] }] }],
  });
  t.same(lines, [
    "keepalived.conf:2: script_user: not carried over: scripts and hooks run as ipfailoverd itself (root, inside the unit's sandbox: systemd/ipfailoverd.service)",
    "keepalived.conf:3: enable_script_security: not carried over: nothing to enable: ipfailoverd runs commands by absolute path without a shell, inside the unit's sandbox",
    "keepalived.conf:12: version: not set, so keepalived's default (2) applies: keepalived speaks VRRPv2 here, ipfailoverd VRRPv3 only (RFC 9568): set `version 3` in this vrrp_instance (or `vrrp_version 3` in global_defs) on the keepalived members before ipfailoverd joins the group",
  ]);
});

t.test('an explicit `version 2` is named at its own line', async (t) => {
  const { lines } = imported(t, {
    'keepalived.conf': `vrrp_instance v2 {
  interface eth0
  virtual_router_id 7
  version 2
  virtual_ipaddress {
    192.0.2.70/24
  }
}
`,
  });
  t.same(lines, [
    'keepalived.conf:4: version: keepalived speaks VRRPv2 here, ipfailoverd VRRPv3 only (RFC 9568): set `version 3` in this vrrp_instance (or `vrrp_version 3` in global_defs) on the keepalived members before ipfailoverd joins the group',
  ]);
});

t.test('files keepalived cannot read either: the importer exits 78 naming FILE:LINE', async (t) => {
  const instance = 'vrrp_instance web {\n  interface eth0\n  virtual_router_id 51\n  virtual_ipaddress {\n    192.0.2.10/24\n  }\n';
  const dir = t.testdir({
    'unbalanced.conf': instance, // the instance's closing brace is missing
    'extra.conf': `${instance}}\n}\n`,
  });
  const cases: Array<[string, string]> = [
    ['unbalanced.conf', 'unbalanced.conf:1: the block of vrrp_instance opened here is never closed (missing \'}\')'],
    ['extra.conf', "extra.conf:8: '}' closes no block"],
  ];
  for (const [file, first] of cases) {
    const keepalived = keepalivedCheck(join(dir, file));
    t.not(keepalived.status, 0, `keepalived -t rejects ${file} too (so the fixture check can fail)`);
    const result = importFile(dir, file);
    t.equal(result.status, 78, file);
    t.same(result.lines, [first, `ipfailoverctl: ${file}: cannot be parsed, nothing imported`], file);
  }
});

t.test('includes that find nothing: a missing file exits 78 naming its line; an empty conf.d/*.conf is a note', async (t) => {
  const instance = 'vrrp_instance web {\n  interface eth0\n  virtual_router_id 51\n  version 3\n  virtual_ipaddress {\n    192.0.2.10/24\n  }\n}\n';
  const dir = t.testdir({ 'missing.conf': `${instance}include other.conf\n`, 'empty.conf': `${instance}include conf.d/*.conf\n`, 'conf.d': {} });
  // keepalived complains about the missing file but runs without it (exit 0): the importer refuses,
  // since what that file held would be silently lost.
  const missing = keepalivedCheck(join(dir, 'missing.conf'));
  t.match(missing.stderr, /Config files missing 'other\.conf'/);
  const refused = importFile(dir, 'missing.conf');
  t.equal(refused.status, 78);
  t.same(refused.lines, ['missing.conf:9: include other.conf: other.conf does not exist', 'ipfailoverctl: missing.conf: cannot be parsed, nothing imported']);
  const empty = imported(t, { 'keepalived.conf': `${instance}include conf.d/*.conf\n`, 'conf.d': {} });
  t.same(empty.lines, ['keepalived.conf:9: include: conf.d/*.conf matches no file: nothing included (keepalived does the same)']);
});

t.test('an instance mixing IPv4 and IPv6: keepalived -t rejects it; the importer keeps the first family and says so', async (t) => {
  const dir = t.testdir({
    'mixed.conf': 'vrrp_instance web {\n  interface eth0\n  virtual_router_id 51\n  version 3\n  virtual_ipaddress {\n    192.0.2.10/24\n    2001:db8::10/64\n  }\n}\n',
  });
  t.not(keepalivedCheck(join(dir, 'mixed.conf')).status, 0, 'keepalived -t rejects it');
  const result = importFile(dir, 'mixed.conf');
  t.equal(result.status, 0);
  t.same((result.json?.instances as Array<{ virtualAddresses: string[] }>)[0]?.virtualAddresses, ['192.0.2.10/24']);
  t.same(result.lines, ['mixed.conf:7: 2001:db8::10/64: 2001:db8::10/64 is IPv6 but the instance is IPv4: not carried over (keepalived ignores it too); give it an instance of its own']);
  t.equal(checkConfig(dir, result.json).status, 0, '--check-config accepts the output');
});

/** Two instances in a sync group, each tracking eth1 and a script with weights. */
function syncGroupConf(trackingWeight: boolean): string {
  const member = (name: string, vrid: number, vip: string) => `vrrp_instance ${name} {
  interface eth0
  virtual_router_id ${vrid}
  version 3
  virtual_ipaddress {
    ${vip}
  }
  track_interface {
    eth1 weight -30
  }
  track_script {
    chk
  }
}
`;
  return `${SECURE}}
vrrp_script chk {
  script "/usr/bin/true"
  weight -20
}
vrrp_sync_group svc {
  group {
    a
    b
  }
${trackingWeight ? '  sync_group_tracking_weight\n' : ''}}
${member('a', 51, '192.0.2.10/24')}${member('b', 52, '192.0.2.11/24')}`;
}

t.test('weighted trackers of sync group members: as keepalived ignores them, so does the import', async (t) => {
  const dir = t.testdir({ 'keepalived.conf': syncGroupConf(false) });
  const keepalived = keepalivedCheck(join(dir, 'keepalived.conf'));
  t.match(keepalived.stderr, /\(a\) ignoring eth1 tracked interface weight due to SYNC group/);
  t.match(keepalived.stderr, /\(a\) ignoring tracked script chk with weights due to SYNC group/);
  const result = importFile(dir, 'keepalived.conf');
  t.equal(result.status, 0);
  const instances = result.json?.instances as Array<{ name: string; track?: unknown }>;
  t.same(instances.map((i) => [i.name, i.track]), [
    ['a', { interfaces: [{ name: 'eth1', weight: 0 }] }],
    ['b', { interfaces: [{ name: 'eth1', weight: 0 }] }],
  ]);
  t.same(result.lines.filter((line) => / tracked | weights of /.test(line) || /sync_group_tracking_weight/.test(line)), [
    'keepalived.conf:22: track_interface: weights of eth1 not carried over: keepalived ignores them in a sync group (without sync_group_tracking_weight), so they are 0 here too (down = Fault)',
    'keepalived.conf:25: track_script: chk not carried over: keepalived does not track weighted scripts of a sync group member (without sync_group_tracking_weight)',
    'keepalived.conf:36: track_interface: weights of eth1 not carried over: keepalived ignores them in a sync group (without sync_group_tracking_weight), so they are 0 here too (down = Fault)',
    'keepalived.conf:39: track_script: chk not carried over: keepalived does not track weighted scripts of a sync group member (without sync_group_tracking_weight)',
  ]);
  t.equal(checkConfig(dir, result.json).status, 0, '--check-config accepts the output');
});

t.test('with sync_group_tracking_weight keepalived keeps the weights, and so does the import', async (t) => {
  const { json } = imported(t, { 'keepalived.conf': syncGroupConf(true) });
  const tracks = (json?.instances as Array<{ track?: { interfaces?: unknown; scripts?: Array<{ weight: number }> } }>).map((i) => [i.track?.interfaces, i.track?.scripts?.map((s) => s.weight)]);
  t.same(tracks, [[[{ name: 'eth1', weight: -30 }], [-20]], [[{ name: 'eth1', weight: -30 }], [-20]]]);
});
