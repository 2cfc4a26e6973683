/**
 * Health-check scripts and notify hooks run with no capabilities and none of the daemon's
 * descriptors, whether the daemon runs as root or the unit's way (a non-root user with ambient
 * CAP_NET_RAW CAP_NET_ADMIN), and as `scriptUser` when that is set. The script and the hook are
 * one reporter that writes its /proc/self/status capability lines, its ids and its open
 * descriptors to a file.
 */

import t, { type Test } from 'tap';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Cluster, webInstance, type Daemon } from './helpers/cluster.js';
import { requireRoot } from './helpers/root.js';
import { waitFor } from './helpers/topology.js';

/** nobody / nogroup on Debian. */
const NOBODY = 65534;

/** The unit's identity and capabilities (systemd/ipfailoverd.service), as the test can give them. */
function unitLaunch(extraCaps: readonly string[] = []): string[] {
  const caps = ['+net_raw', '+net_admin', ...extraCaps].join(',');
  return ['setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', `--bounding-set=-all,${caps}`, `--inh-caps=${caps}`, `--ambient-caps=${caps}`];
}

/**
 * Whoever starts the daemon may hand it descriptors it never asked for (a shell's, systemd's
 * further LISTEN_FDS): this one is fd 9, open without close-on-exec.
 */
const HANDED_FD = 9;
const HAND_FD = ['sh', '-c', `exec ${HANDED_FD}</dev/null; exec "$@"`, 'sh'];

interface Report {
  readonly caps: Record<string, bigint>;
  readonly uid: number;
  readonly gid: number;
  readonly groups: string;
  /** Open descriptors other than the listing's own (ls reading /proc/self/fd). */
  readonly fds: number[];
}

function parseReport(text: string): Report {
  const caps: Record<string, bigint> = {};
  for (const [, name, hex] of text.matchAll(/^(Cap\w+):\s*([0-9a-f]+)$/gm)) caps[name as string] = BigInt(`0x${hex as string}`);
  const ids = /^uid (\d+) gid (\d+) groups (.*)$/m.exec(text);
  const fds = [...text.matchAll(/ (\d+) -> (.*)$/gm)].filter(([, , target]) => !/^\/proc\/\d+\/fd$/.test(target as string)).map(([, fd]) => Number(fd));
  return { caps, uid: Number(ids?.[1]), gid: Number(ids?.[2]), groups: ids?.[3] ?? '', fds: fds.sort((a, b) => a - b) };
}

/** A directory every user may use, with the reporter in it. */
function setUp(cluster: Cluster): { reporter: string; dir: string } {
  const dir = join(cluster.directory, 'shared');
  mkdirSync(dir);
  chmodSync(dir, 0o1777);
  // A non-root daemon reads its config there and keeps its state there.
  chmodSync(cluster.directory, 0o755);
  const reporter = join(dir, 'report.sh');
  writeFileSync(
    reporter,
    [
      '#!/bin/sh',
      'exec > "$1.tmp" 2>&1',
      "grep '^Cap' /proc/self/status",
      'echo "uid $(id -u) gid $(id -g) groups $(id -G)"',
      'ls -l /proc/self/fd',
      'mv "$1.tmp" "$1"',
    ].join('\n') + '\n',
  );
  chmodSync(reporter, 0o755);
  return { reporter, dir };
}

async function readReport(file: string): Promise<Report> {
  await waitFor(`${file} written`, async () => (existsSync(file) ? true : undefined), 5000);
  return parseReport(readFileSync(file, 'utf8'));
}

function startReporting(cluster: Cluster, reporter: string, dir: string, options: { prefix?: string[]; extra?: Record<string, unknown> } = {}): { daemon: Daemon; check: string; hook: string } {
  const check = join(dir, 'check.out');
  const hook = join(dir, 'hook.out');
  const state = join(cluster.directory, 'state-1');
  mkdirSync(state, { recursive: true });
  chownSync(state, NOBODY, NOBODY);
  const daemon = cluster.start(
    1,
    [
      webInstance({
        track: { scripts: [{ name: 'report', command: [reporter, check], intervalMs: 500, timeoutMs: 400 }] },
        notify: [{ command: [reporter, hook], timeoutMs: 2000 }],
      }),
    ],
    { statusSocket: join(dir, 'm1.sock'), ...options.extra },
    {},
    [...HAND_FD, ...(options.prefix ?? [])],
  );
  return { daemon, check, hook };
}

function assertHanded(t: Test, daemon: Daemon): void {
  // `ip netns exec`, sh and setpriv each exec the next: the pid is the daemon's.
  t.ok(existsSync(`/proc/${daemon.child.pid}/fd/${HANDED_FD}`), `the daemon itself holds fd ${HANDED_FD}`);
}

function assertNoPrivileges(t: Test, report: Report, what: string): void {
  for (const set of ['CapAmb', 'CapInh', 'CapEff', 'CapPrm']) t.equal(report.caps[set], 0n, `${what}: ${set} is empty`);
  t.strictSame(report.fds, [0, 1, 2], `${what}: only descriptors 0, 1 and 2 are open`);
}

if (requireRoot(t)) {
  t.test('daemon as root: the script and the hook have no capabilities and only fds 0-2', async (t) => {
    const cluster = await Cluster.create(1, 'ipfo-sp');
    t.teardown(() => cluster.destroy());
    const { reporter, dir } = setUp(cluster);
    const { daemon, check, hook } = startReporting(cluster, reporter, dir);
    await daemon.waitState('MASTER', 10_000);
    assertHanded(t, daemon);
    const script = await readReport(check);
    assertNoPrivileges(t, script, 'health check');
    t.equal(script.caps['CapBnd'], 0n, 'health check: a root child cannot regain capabilities at exec (bounding set empty)');
    t.equal(script.uid, 0, 'without scriptUser the check runs as the daemon\'s user');
    assertNoPrivileges(t, await readReport(hook), 'notify hook');
  });

  t.test('daemon the unit\'s way (non-root, ambient NET_RAW NET_ADMIN): children have none of them', async (t) => {
    const cluster = await Cluster.create(1, 'ipfo-sp');
    t.teardown(() => cluster.destroy());
    const { reporter, dir } = setUp(cluster);
    const { daemon, check, hook } = startReporting(cluster, reporter, dir, { prefix: unitLaunch() });
    await daemon.waitState('MASTER', 10_000);
    assertHanded(t, daemon);
    const script = await readReport(check);
    assertNoPrivileges(t, script, 'health check');
    t.equal(script.uid, NOBODY, 'the check runs as the daemon\'s user');
    assertNoPrivileges(t, await readReport(hook), 'notify hook');
  });

  t.test('scriptUser: children run as that user and its group, from a root daemon', async (t) => {
    const cluster = await Cluster.create(1, 'ipfo-sp');
    t.teardown(() => cluster.destroy());
    const { reporter, dir } = setUp(cluster);
    const { daemon, check, hook } = startReporting(cluster, reporter, dir, { extra: { scriptUser: 'nobody' } });
    await daemon.waitState('MASTER', 10_000);
    for (const [what, file] of [['health check', check], ['notify hook', hook]] as const) {
      const report = await readReport(file);
      assertNoPrivileges(t, report, what);
      t.equal(report.uid, NOBODY, `${what}: uid is nobody's`);
      t.equal(report.gid, NOBODY, `${what}: gid is nobody's primary group`);
      t.equal(report.groups, String(NOBODY), `${what}: no supplementary groups of the daemon's`);
    }
  });

  t.test('scriptUser from a non-root daemon with CAP_SETUID CAP_SETGID (the drop-in): children run as that user', async (t) => {
    const cluster = await Cluster.create(1, 'ipfo-sp');
    t.teardown(() => cluster.destroy());
    const { reporter, dir } = setUp(cluster);
    const { daemon, check } = startReporting(cluster, reporter, dir, { prefix: unitLaunch(['+setuid', '+setgid']), extra: { scriptUser: 'daemon' } });
    await daemon.waitState('MASTER', 10_000);
    const report = await readReport(check);
    assertNoPrivileges(t, report, 'health check');
    t.equal(report.uid, 1, 'uid is the user "daemon"\'s (1)');
  });

  t.test('scriptUser from a non-root daemon without CAP_SETUID/CAP_SETGID: refused at start-up, saying how to grant them', async (t) => {
    const cluster = await Cluster.create(1, 'ipfo-sp');
    t.teardown(() => cluster.destroy());
    const { reporter, dir } = setUp(cluster);
    const { daemon } = startReporting(cluster, reporter, dir, { prefix: unitLaunch(), extra: { scriptUser: 'daemon' } });
    t.equal(await daemon.exited, 77, 'exits EX_NOPERM');
    // The exit may be seen before the last output line is read.
    const fatal = await daemon.waitLine({ problem: 'child-capability' }, 5000);
    t.match(fatal, { level: 'fatal', missing: ['CAP_SETUID', 'CAP_SETGID'] });
    t.match(String(fatal.msg), /AmbientCapabilities=CAP_SETUID CAP_SETGID and CapabilityBoundingSet=CAP_SETUID CAP_SETGID/);
  });
}
