/**
 * The Debian package: built by packaging/build-deb.sh, installed with dpkg into a throwaway
 * Debian 13 (trixie) minbase root made by debootstrap, and checked there: files, the system
 * account, the units (systemd-analyze verify --root), the commands, the native addons loading
 * under Debian's own Node.js, reinstall and purge. Then the unit's systemd-analyze security
 * exposure, which must stay at or below 2.0.
 *
 * Needs root, debootstrap (`bash packaging/setup.sh --test`) and deb.debian.org. The
 * debootstrap tarball and apt's downloaded packages are kept in /var/cache/ipfailoverd-test,
 * so only the first run downloads the base system.
 */

import t from 'tap';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { buildDeb, destroyRoot, inRoot, installDeb, makeRoot, must, mustInRoot, removeStaleRoots, ROOT_PREFIX, run, type Result } from './helpers/debian-root.js';
import { requireRoot } from './helpers/root.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const APP = '/usr/lib/ipfailoverd';
const MANIFEST = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {
  version: string;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
function passwdEntry(root: string, file: 'passwd' | 'group', name: string): string[] | undefined {
  return readFileSync(join(root, 'etc', file), 'utf8')
    .split('\n')
    .map((line) => line.split(':'))
    .find((fields) => fields[0] === name);
}

/** FIRST_SYSTEM_UID..LAST_SYSTEM_UID (and GID) from the root's adduser.conf, or Debian's defaults. */
function systemRange(root: string, kind: 'UID' | 'GID'): [number, number] {
  const conf = existsSync(join(root, 'etc/adduser.conf')) ? readFileSync(join(root, 'etc/adduser.conf'), 'utf8') : '';
  const value = (key: string, fallback: number) => Number(new RegExp(`^${key}=(\\d+)`, 'm').exec(conf)?.[1] ?? fallback);
  return [value(`FIRST_SYSTEM_${kind}`, 100), value(`LAST_SYSTEM_${kind}`, 999)];
}

if (requireRoot(t)) {
  // Building, debootstrapping and apt take one to two minutes; a first run also downloads the
  // base system.
  t.setTimeout(420_000);

  t.test('the .deb installs into a Debian 13 root and works there', async (t) => {
    if ((await run(['sh', '-c', 'command -v debootstrap'])).status !== 0) {
      t.fail('debootstrap is missing: bash packaging/setup.sh --test installs it');
      return;
    }
    await removeStaleRoots();
    const dir = mkdtempSync(join(tmpdir(), ROOT_PREFIX));
    t.teardown(() => destroyRoot(dir));
    const arch = (await must(['dpkg', '--print-architecture'])).stdout.trim();

    // The package, from dist/ as `npm test` built it.
    const started = Date.now();
    const deb = await buildDeb(REPO, join(dir, 'out'));
    t.equal(deb, join(dir, 'out', `ipfailoverd_${MANIFEST.version}_${arch}.deb`), 'named package_version_arch.deb');
    t.comment(`built ${deb} in ${((Date.now() - started) / 1000).toFixed(0)} s: ${statSync(deb).size} bytes`);

    const field = async (name: string) => (await must(['dpkg-deb', '-f', deb, name])).stdout.trim();
    t.equal(await field('Package'), 'ipfailoverd');
    t.equal(await field('Version'), MANIFEST.version.replace('-', '~'));
    t.equal(await field('Architecture'), arch);
    t.match(await field('Depends'), /nodejs \(>= 20\)/);
    const listing = (await must(['dpkg-deb', '-c', deb])).stdout;
    const paths = listing.split('\n').map((line) => line.split(/\s+/)[5]?.replace(/^\./, '') ?? '');
    for (const dev of Object.keys(MANIFEST.devDependencies)) {
      t.notOk(paths.some((p) => p.startsWith(`${APP}/node_modules/${dev}/`)), `no devDependency ${dev}`);
    }
    // Nor anything the lock file marks as needed for development only.
    const lock = JSON.parse(readFileSync(join(REPO, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
    const devOnly = Object.entries(lock.packages).filter(([path, entry]) => path !== '' && entry.dev === true).map(([path]) => `${APP}/${path}/`);
    t.same(devOnly.filter((prefix) => paths.some((p) => p.startsWith(prefix))), [], `none of the ${devOnly.length} development-only packages`);
    t.notOk(paths.some((p) => p.startsWith(`${APP}/dist/test/`)), 'no tests');
    t.notOk(paths.some((p) => p.startsWith(APP) && /\.(map|ts)$/.test(p)), 'no source maps or TypeScript');
    t.notOk(paths.some((p) => p.includes('/obj.target/')), 'no node-gyp build trees');

    const root = await makeRoot(dir, arch);
    t.comment(`Debian ${readFileSync(join(root, 'etc/debian_version'), 'utf8').trim()} root with nodejs ${(await mustInRoot(root, ['node', '--version'])).stdout.trim()}`);

    await installDeb(root, deb);
    t.equal((await mustInRoot(root, ['dpkg-query', '-W', '-f=${db:Status-Status}', 'ipfailoverd'])).stdout, 'installed', 'installed and configured');

    for (const file of [
      `${APP}/package.json`,
      `${APP}/dist/src/cli/ipfailoverd.js`,
      `${APP}/dist/src/cli/ipfailoverctl.js`,
      `${APP}/build/Release/ipfailoverd_native.node`,
      ...Object.keys(MANIFEST.dependencies).map((dep) => `${APP}/node_modules/${dep}/package.json`),
      '/usr/bin/ipfailoverd',
      '/usr/bin/ipfailoverctl',
      '/usr/lib/systemd/system/ipfailoverd.service',
      '/usr/lib/systemd/system/ipfailoverd.socket',
      '/etc/ipfailoverd/config.json',
      '/usr/lib/sysctl.d/50-ipfailoverd.conf',
      '/usr/lib/sysusers.d/ipfailoverd.conf',
      '/usr/share/man/man8/ipfailoverd.8.gz',
      '/usr/share/man/man8/ipfailoverctl.8.gz',
      '/usr/share/doc/ipfailoverd/README.md',
      '/usr/share/doc/ipfailoverd/README.Debian',
    ]) {
      t.ok(existsSync(join(root, file)), file);
    }
    for (const file of ['prometheus/ipfailoverd-alerts.yml', 'grafana/ipfailoverd-dashboard.json']) {
      t.equal(readFileSync(join(root, 'usr/share/ipfailoverd', file), 'utf8'), readFileSync(join(REPO, 'packaging', file), 'utf8'), `/usr/share/ipfailoverd/${file} is packaging/'s`);
    }
    t.equal(readFileSync(join(root, 'usr/lib/systemd/system/ipfailoverd.service'), 'utf8'), readFileSync(join(REPO, 'systemd/ipfailoverd.service'), 'utf8'), 'the service unit is the source tree\'s');
    t.equal(readFileSync(join(root, 'usr/lib/systemd/system/ipfailoverd.socket'), 'utf8'), readFileSync(join(REPO, 'systemd/ipfailoverd.socket'), 'utf8'), 'the socket unit is the source tree\'s');
    for (const command of ['/usr/bin/ipfailoverd', '/usr/bin/ipfailoverctl']) {
      t.equal(statSync(join(root, command)).mode & 0o111, 0o111, `${command} is executable`);
    }
    t.match((await mustInRoot(root, ['dpkg-query', '-W', '-f=${Conffiles}', 'ipfailoverd'])).stdout, /^ \/etc\/ipfailoverd\/config\.json [0-9a-f]{32}$/m, 'config.json is a conffile');
    t.same(JSON.parse(readFileSync(join(root, 'etc/ipfailoverd/config.json'), 'utf8')), JSON.parse(readFileSync(join(REPO, 'config.example.json'), 'utf8')), 'config.json is the example');
    const sysctl = readFileSync(join(root, 'usr/lib/sysctl.d/50-ipfailoverd.conf'), 'utf8');
    t.match(sysctl, /^net\.ipv4\.conf\.all\.promote_secondaries = 1$/m);
    t.match(sysctl, /^net\.ipv4\.conf\.default\.promote_secondaries = 1$/m);
    const page = gunzipSync(readFileSync(join(root, 'usr/share/man/man8/ipfailoverd.8.gz'))).toString('utf8');
    t.match(page, /^\.TH IPFAILOVERD 8 /m, 'ipfailoverd(8) is a manual page');
    t.match(page, /^\.SH SYNOPSIS$/m);

    // The account: a system user and group, no login, no home.
    const user = passwdEntry(root, 'passwd', 'ipfailoverd');
    const group = passwdEntry(root, 'group', 'ipfailoverd');
    t.ok(user, 'user ipfailoverd exists');
    t.ok(group, 'group ipfailoverd exists');
    if (user && group) {
      const [firstUid, lastUid] = systemRange(root, 'UID');
      const [firstGid, lastGid] = systemRange(root, 'GID');
      const uid = Number(user[2]);
      const gid = Number(group[2]);
      t.ok(uid >= firstUid && uid <= lastUid, `uid ${uid} is a system uid (${firstUid}-${lastUid})`);
      t.ok(gid >= firstGid && gid <= lastGid, `gid ${gid} is a system gid (${firstGid}-${lastGid})`);
      t.equal(Number(user[3]), gid, 'primary group ipfailoverd');
      t.equal(user[6], '/usr/sbin/nologin');
      t.notOk(existsSync(join(root, user[5] ?? '/nonexistent')), `no home directory (${user[5]})`);
    }
    // The status socket's admin group (statusSocketAdminGroup's default), empty: only root acts
    // until an operator is added to it.
    const admins = passwdEntry(root, 'group', 'ipfailoverd-admin');
    t.match(admins, ['ipfailoverd-admin', 'x', /^\d+$/, ''], 'group ipfailoverd-admin exists, with no members');

    // The units, as Debian 13's systemd (257, in the root) and the host's (Debian 12: 252, with
    // --root) load them. The host's also checks the manual page named in Documentation=, found
    // through MANPATH; the root has no man.
    const units = ['/usr/lib/systemd/system/ipfailoverd.service', '/usr/lib/systemd/system/ipfailoverd.socket'];
    // Lines about our units (252 also grumbles about the root's own 257-only units).
    const ours = (r: Result) => `${r.stdout}${r.stderr}`.split('\n').filter((line) => /ipfailoverd\.(service|socket)\b/.test(line));
    const inside = await inRoot(root, ['systemd-analyze', 'verify', '--man=no', ...units]);
    t.equal(inside.status, 0, `${(await mustInRoot(root, ['systemd-analyze', '--version'])).stdout.split('\n')[0]}: verify accepts the units`);
    t.same(ours(inside), [], 'and has no complaint about them');
    const host = await run(['systemd-analyze', 'verify', `--root=${root}`, ...units.map((unit) => join(root, unit))], { env: [`MANPATH=${join(root, 'usr/share/man')}`] });
    t.equal(host.status, 0, `${(await must(['systemd-analyze', '--version'])).stdout.split('\n')[0]} (host, --root): verify accepts the units`);
    // RestartMode= (systemd 254) is unknown to 252, which ignores it and needs it not: it never
    // restarted PartOf= units along with an automatic restart.
    const unknownTo252 = /ipfailoverd\.service:\d+: Unknown key( name)? 'RestartMode' in section '?\[?Service\]?'?, ignoring\.$/;
    t.same(ours(host).filter((line) => !unknownTo252.test(line)), [], 'and has no complaint about them but RestartMode=');
    const sysusers = await mustInRoot(root, ['systemd-sysusers', '--dry-run', 'ipfailoverd.conf']);
    t.notMatch(`${sysusers.stdout}${sysusers.stderr}`, /Creating/, 'sysusers.d describes the account postinst made');

    // The commands, under the root's own Node.js.
    const check = await inRoot(root, ['ipfailoverd', '--check-config', '/etc/ipfailoverd/config.json']);
    t.equal(check.status, 0, 'ipfailoverd --check-config accepts the shipped configuration');
    t.match(check.stdout, /configuration OK, 2 instances/);
    t.match(check.stdout, /^instance web: .*vrid=51/m);
    t.equal((await mustInRoot(root, ['ipfailoverd', '--version'])).stdout.trim(), `ipfailoverd ${MANIFEST.version}`);
    const help = (await mustInRoot(root, ['ipfailoverd', '--help'])).stdout;
    t.match(help, /^NAME\n/);
    t.match(help, /--check-config FILE/);
    t.match(help, /--cleanup --config FILE/);
    // A bad configuration: named, exit 78, nothing touched (the root has no network to touch).
    const badCleanup = await inRoot(root, ['ipfailoverd', '--cleanup', '--config', '/nonexistent.json']);
    t.equal(badCleanup.status, 78, '--cleanup with an unreadable configuration exits 78');
    t.match(badCleanup.stderr, /\/nonexistent\.json/);
    t.equal((await inRoot(root, ['ipfailoverctl', 'help'])).status, 0, 'ipfailoverctl help');

    // The native parts load under Debian's Node.js.
    for (const module of [`${APP}/node_modules/raw-socket`, `${APP}/node_modules/netlink`, `${APP}/build/Release/ipfailoverd_native.node`]) {
      const loaded = await inRoot(root, ['node', '-e', `require(${JSON.stringify(module)})`]);
      t.equal(loaded.status, 0, `${module} loads`, { stderr: loaded.stderr });
    }

    // Installing again (postinst with the previous version) changes nothing; purge removes the
    // files and keeps the account.
    await mustInRoot(root, ['dpkg', '-i', '/tmp/ipfailoverd.deb']);
    t.same(passwdEntry(root, 'passwd', 'ipfailoverd'), user, 'reinstalling keeps the same account');
    await mustInRoot(root, ['dpkg', '--purge', 'ipfailoverd']);
    t.notOk(existsSync(join(root, APP)), `${APP} removed by purge`);
    t.notOk(existsSync(join(root, 'etc/ipfailoverd')), '/etc/ipfailoverd removed by purge');
    t.ok(passwdEntry(root, 'passwd', 'ipfailoverd'), 'purge keeps the user');
  });
}

t.test('systemd-analyze security rates the unit 2.0 or better', async (t) => {
  const unit = join(REPO, 'systemd/ipfailoverd.service');
  const result = await run(['systemd-analyze', 'security', '--offline=true', '--no-pager', unit]);
  const match = /Overall exposure level for ipfailoverd\.service: (\d+(?:\.\d+)?)/.exec(result.stdout);
  t.ok(match, 'prints the overall exposure level', { stdout: result.stdout.slice(-500), stderr: result.stderr });
  if (!match) return;
  const score = Number(match[1]);
  t.comment(`systemd-analyze security --offline=true: ${score}`);
  t.ok(score <= 2.0, `exposure ${score} <= 2.0`);
});
