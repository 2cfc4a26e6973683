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
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { requireRoot } from './helpers/root.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const MANIFEST = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {
  version: string;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const SUITE = 'trixie';
const MIRROR = process.env.IPFAILOVERD_TEST_MIRROR ?? 'http://deb.debian.org/debian';
const CACHE = '/var/cache/ipfailoverd-test';
/** A cached base system older than this is downloaded again (point releases move on). */
const TARBALL_MAX_AGE_MS = 30 * 24 * 3600 * 1000;
const ROOT_PREFIX = 'ipfailoverd-pkgtest.';
const APP = '/usr/lib/ipfailoverd';

/** A clean environment inside the root: none of the host's (or tap's) Node.js settings. */
const CHROOT_ENV = [
  'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  'HOME=/root',
  'LC_ALL=C.UTF-8',
  'DEBIAN_FRONTEND=noninteractive',
];

interface Result {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

interface RunOptions {
  /** Extra variables for the command. */
  readonly env?: readonly string[];
  /** Start from an empty environment instead of this process's. */
  readonly cleanEnv?: boolean;
  readonly timeoutMs?: number;
}

/**
 * Runs a command through env(1): tap's process tracking puts its loader into NODE_OPTIONS of
 * every child, whatever env we pass, and a node in the root cannot load the host's loader.
 */
function run(argv: readonly string[], options: RunOptions = {}): Promise<Result> {
  const envArgs = [...(options.cleanEnv ? ['-i'] : ['-u', 'NODE_OPTIONS']), ...(options.env ?? [])];
  return new Promise((resolve, reject) => {
    const child = spawn('env', [...envArgs, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

/** Runs a command, failing with its output unless it exits 0. */
async function must(argv: readonly string[], options: RunOptions = {}): Promise<Result> {
  const result = await run(argv, options);
  if (result.status !== 0) {
    throw new Error(`${argv.join(' ')} exited ${result.status}\n--- stdout\n${result.stdout.slice(-3000)}\n--- stderr\n${result.stderr.slice(-3000)}`);
  }
  return result;
}

const inRoot = (root: string, argv: readonly string[], timeoutMs?: number) => run(['chroot', root, ...argv], { cleanEnv: true, env: CHROOT_ENV, timeoutMs });
const mustInRoot = (root: string, argv: readonly string[], timeoutMs?: number) => must(['chroot', root, ...argv], { cleanEnv: true, env: CHROOT_ENV, timeoutMs });

/** Mount points at or below `dir`, deepest first. */
function mountsBelow(dir: string): string[] {
  return readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .map((line) => (line.split(' ')[1] ?? '').replace(/\\040/g, ' '))
    .filter((point) => point === dir || point.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
}

/** Unmounts everything in a root and removes it, never following a mount out of it. */
async function destroyRoot(dir: string): Promise<void> {
  for (const point of mountsBelow(dir)) await run(['umount', '-l', point]);
  if (mountsBelow(dir).length > 0) throw new Error(`still mounted below ${dir}: ${mountsBelow(dir).join(', ')}`);
  await run(['rm', '-rf', '--one-file-system', dir]);
}

/** Roots (still mounted) left by a run killed before its teardown ran, e.g. by a timeout. */
async function removeStaleRoots(): Promise<void> {
  const prefix = join(tmpdir(), ROOT_PREFIX);
  const dirs = new Set(
    readFileSync('/proc/self/mounts', 'utf8')
      .split('\n')
      .map((line) => line.split(' ')[1] ?? '')
      .filter((point) => point.startsWith(prefix))
      .map((point) => point.split('/').slice(0, prefix.split('/').length).join('/')),
  );
  // Younger ones may belong to a run going on right now.
  const stale = [...dirs].filter((dir) => Date.now() - statSync(dir).mtimeMs > 15 * 60_000);
  for (const dir of stale) await destroyRoot(dir);
}

/**
 * The debootstrap tarball of the minbase packages, made once and kept in CACHE; `refresh` makes
 * it again. A failed download leaves the cached one in place.
 */
async function baseTarball(arch: string, refresh = false): Promise<string> {
  const tarball = join(CACHE, `debootstrap-${SUITE}-minbase-${arch}.tgz`);
  if (!refresh && existsSync(tarball) && Date.now() - statSync(tarball).mtimeMs < TARBALL_MAX_AGE_MS) return tarball;
  mkdirSync(CACHE, { recursive: true });
  const scratch = mkdtempSync(join(tmpdir(), ROOT_PREFIX));
  try {
    const partial = `${tarball}.${process.pid}.partial`;
    await must(['debootstrap', '--variant=minbase', `--arch=${arch}`, `--make-tarball=${partial}`, SUITE, join(scratch, 'root'), MIRROR], { timeoutMs: 300_000 });
    renameSync(partial, tarball);
  } finally {
    await destroyRoot(scratch);
  }
  return tarball;
}

/**
 * A fresh minbase root with /proc mounted, service starts blocked, nodejs installed, and systemd
 * (not running: for systemd-analyze 257 and the units the package's ones depend on).
 */
async function makeRoot(dir: string, arch: string): Promise<string> {
  const root = join(dir, 'root');
  const debootstrap = (tarball: string) =>
    run(['debootstrap', '--variant=minbase', `--arch=${arch}`, `--unpack-tarball=${tarball}`, SUITE, root, MIRROR], { timeoutMs: 300_000 });
  let tarball = await baseTarball(arch);
  let result = await debootstrap(tarball);
  if (result.status !== 0) {
    // A damaged or outdated cache: fetch it again, once.
    await destroyRoot(root);
    tarball = await baseTarball(arch, true);
    result = await debootstrap(tarball);
    if (result.status !== 0) throw new Error(`debootstrap failed:\n${result.stdout.slice(-2000)}${result.stderr.slice(-2000)}`);
  }
  await must(['mount', '-t', 'proc', 'proc', join(root, 'proc')]);
  // apt's downloads survive the root, so that later runs install nodejs without downloading it.
  const archives = join(CACHE, `apt-archives-${SUITE}-${arch}`);
  mkdirSync(join(archives, 'partial'), { recursive: true });
  await must(['mount', '--bind', archives, join(root, 'var/cache/apt/archives')]);
  writeFileSync(join(root, 'usr/sbin/policy-rc.d'), '#!/bin/sh\n# no service starts while testing the package\nexit 101\n', { mode: 0o755 });
  copyFileSync('/etc/resolv.conf', join(root, 'etc/resolv.conf'));
  await mustInRoot(root, ['apt-get', 'update', '-qq'], 180_000);
  await mustInRoot(root, ['apt-get', 'install', '-y', '-qq', '--no-install-recommends', 'nodejs', 'systemd'], 300_000);
  return root;
}

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
    const built = await must(['bash', join(REPO, 'packaging/build-deb.sh'), '--no-compile', '--out', join(dir, 'out')], { timeoutMs: 300_000 });
    const deb = built.stdout.trim().split('\n').at(-1) ?? '';
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

    // dpkg -i stops at the missing dependency (adduser is not in minbase); apt-get -f installs
    // it and configures ipfailoverd, which runs the postinst.
    copyFileSync(deb, join(root, 'tmp/ipfailoverd.deb'));
    await inRoot(root, ['dpkg', '-i', '/tmp/ipfailoverd.deb']);
    await mustInRoot(root, ['apt-get', '-f', 'install', '-y', '-qq', '--no-install-recommends'], 300_000);
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
    t.same(ours(host), [], 'and has no complaint about them');
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
    t.equal((await inRoot(root, ['ipfailoverctl', 'help'])).status, 0, 'ipfailoverctl help');

    // The native parts load under Debian's Node.js, with and without the JIT (the unit runs
    // node with --jitless).
    for (const module of [`${APP}/node_modules/raw-socket`, `${APP}/node_modules/netlink`, `${APP}/build/Release/ipfailoverd_native.node`]) {
      const loaded = await inRoot(root, ['node', '-e', `require(${JSON.stringify(module)})`]);
      t.equal(loaded.status, 0, `${module} loads`, { stderr: loaded.stderr });
      const jitless = await inRoot(root, ['node', '--jitless', '-e', `require(${JSON.stringify(module)})`]);
      t.equal(jitless.status, 0, `${module} loads with --jitless`, { stderr: jitless.stderr });
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
