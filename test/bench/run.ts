/**
 * `npm run bench [-- --quick] [-- --unit FILE] [-- --only takeover,loaded,scale,startup]`:
 * ipfailoverd side by side with keepalived (when /usr/sbin/keepalived is installed) on one
 * namespace lab, ipfailoverd started as systemd/ipfailoverd.service starts it. Prints figures;
 * asserts nothing (tests assert protocol bounds). Needs root (network namespaces), tcpdump and
 * stress-ng (bash packaging/setup.sh --test).
 */

import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { KEEPALIVED, Lab } from './lab.js';
import { parsePlan, type Section } from './plan.js';
import { loadedSection, scaleSection, startupSection, takeoverSection, type TakeoverFigures } from './sections.js';
import { describeLaunch, unitLaunch } from './unit-launch.js';

function keepalivedVersion(): string {
  // keepalived prints its version on stderr.
  const result = spawnSync(KEEPALIVED, ['--version'], { encoding: 'utf8' });
  if (result.error !== undefined) return 'keepalived not installed: ipfailoverd alone';
  return `${result.stderr}${result.stdout}`.split('\n')[0] ?? 'keepalived';
}

async function main(): Promise<number> {
  if (process.getuid?.() !== 0) {
    console.error('bench: needs root (network namespaces)');
    return 1;
  }
  const plan = parsePlan(process.argv.slice(2));
  const launch = unitLaunch(plan.unitFile);
  const started = performance.now();
  console.log(`# ipfailoverd benchmark${plan.quick ? ' (--quick)' : ''}: node ${process.version}; ${keepalivedVersion()}`);
  console.log(`ipfailoverd as the unit runs it: ${describeLaunch(launch, plan.unitFile)}`);
  console.log(`keepalived as its package runs it (no scheduling settings); figures from a shared machine are indicative`);
  console.log(`load average before: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const lab = await Lab.create(launch);
  const interrupted = (): void => {
    void lab.destroy().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    const timed = async <T>(section: Section, body: () => Promise<T>): Promise<T | undefined> => {
      if (!plan.sections.has(section)) return undefined;
      const t0 = performance.now();
      const result = await body();
      console.log(`(${section}: ${((performance.now() - t0) / 1000).toFixed(0)} s)`);
      return result;
    };
    const idle: TakeoverFigures | undefined = await timed('takeover', () => takeoverSection(lab, plan));
    await timed('loaded', () => loadedSection(lab, plan, idle));
    await timed('scale', () => scaleSection(lab, plan));
    await timed('startup', () => startupSection(lab, plan));
  } finally {
    await lab.destroy();
  }
  console.log(`\nload average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}; total ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return 0;
}

process.exitCode = await main();
