/**
 * Throwaway Debian 13 (trixie) minbase roots for the package tests: debootstrap's tarball and
 * apt's downloads are cached in /var/cache/ipfailoverd-test, so only the first run downloads.
 * Commands run through env(1) with a clean environment; roots are removed with everything
 * mounted in them, also those left behind by a run that was killed.
 */

import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SUITE = 'trixie';
const MIRROR = process.env.IPFAILOVERD_TEST_MIRROR ?? 'http://deb.debian.org/debian';
export const CACHE = '/var/cache/ipfailoverd-test';
/** A cached base system older than this is downloaded again (point releases move on). */
const TARBALL_MAX_AGE_MS = 30 * 24 * 3600 * 1000;
export const ROOT_PREFIX = 'ipfailoverd-pkgtest.';

/** A clean environment inside the root: none of the host's (or tap's) Node.js settings. */
export const CHROOT_ENV = [
  'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  'HOME=/root',
  'LC_ALL=C.UTF-8',
  'DEBIAN_FRONTEND=noninteractive',
];

export interface Result {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
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
export function run(argv: readonly string[], options: RunOptions = {}): Promise<Result> {
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
export async function must(argv: readonly string[], options: RunOptions = {}): Promise<Result> {
  const result = await run(argv, options);
  if (result.status !== 0) {
    throw new Error(`${argv.join(' ')} exited ${result.status}\n--- stdout\n${result.stdout.slice(-3000)}\n--- stderr\n${result.stderr.slice(-3000)}`);
  }
  return result;
}

export const inRoot = (root: string, argv: readonly string[], timeoutMs?: number) => run(['chroot', root, ...argv], { cleanEnv: true, env: CHROOT_ENV, timeoutMs });
export const mustInRoot = (root: string, argv: readonly string[], timeoutMs?: number) => must(['chroot', root, ...argv], { cleanEnv: true, env: CHROOT_ENV, timeoutMs });

/** Mount points at or below `dir`, deepest first. */
export function mountsBelow(dir: string): string[] {
  return readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .map((line) => (line.split(' ')[1] ?? '').replace(/\\040/g, ' '))
    .filter((point) => point === dir || point.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
}

/** Unmounts everything in a root and removes it, never following a mount out of it. */
export async function destroyRoot(dir: string): Promise<void> {
  for (const point of mountsBelow(dir)) await run(['umount', '-l', point]);
  if (mountsBelow(dir).length > 0) throw new Error(`still mounted below ${dir}: ${mountsBelow(dir).join(', ')}`);
  await run(['rm', '-rf', '--one-file-system', dir]);
}

/** Roots (still mounted) left by a run killed before its teardown ran, e.g. by a timeout. */
export async function removeStaleRoots(): Promise<void> {
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
export async function baseTarball(arch: string, refresh = false): Promise<string> {
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
export async function makeRoot(dir: string, arch: string): Promise<string> {
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

/** Builds the .deb from dist/ as `npm test` built it (build-deb.sh --no-compile); its path. */
export async function buildDeb(repo: string, outDir: string): Promise<string> {
  const built = await must(['bash', join(repo, 'packaging/build-deb.sh'), '--no-compile', '--out', outDir], { timeoutMs: 300_000 });
  return built.stdout.trim().split('\n').at(-1) ?? '';
}

/**
 * Installs the .deb into the root: dpkg -i stops at the missing dependency (adduser is not in
 * minbase); apt-get -f installs it and configures ipfailoverd, which runs the postinst.
 */
export async function installDeb(root: string, deb: string): Promise<void> {
  copyFileSync(deb, join(root, 'tmp/ipfailoverd.deb'));
  await inRoot(root, ['dpkg', '-i', '/tmp/ipfailoverd.deb']);
  await mustInRoot(root, ['apt-get', '-f', 'install', '-y', '-qq', '--no-install-recommends'], 300_000);
}
