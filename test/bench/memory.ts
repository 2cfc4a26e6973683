/**
 * Benchmark: resident memory and CPU of a master/backup pair of real daemons started as the
 * unit starts them. Prints figures; asserts nothing.
 *
 *   node dist/test/bench/memory.js [--seconds S] [--sizes 1,255] [--variant NAME=OPTIONS]...
 *                                  [--breakdown] [--env NAME=VALUE]...
 *
 * Variants: "unit" (NODE_OPTIONS as systemd/ipfailoverd.service sets it), "unit-jit" (the same
 * without --jitless), and any --variant NAME='--flag ...' (the unit's options without
 * --jitless, plus those flags: what a proposed NODE_OPTIONS line would cost). Per case, the
 * pair runs N IPv4 instances at 100 ms; after it settles, RSS (VmRSS), its peak (VmHWM) and
 * CPU (utime + stime from /proc) are taken over S seconds, for master and backup.
 *
 * The daemons get the unit's other Environment= variables too; --env sets one more (or another
 * value) for every variant (MALLOC_ARENA_MAX=2, say: what a further Environment= line would do).
 *
 * --breakdown preloads memory-probe.js into the daemons (node --import), which prints
 * process.memoryUsage() and V8's heap spaces on stderr: where the resident memory goes.
 */

import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { cpuPercentOver, memoryOf } from './proc-stats.js';
import { ipv4Instance, ShippedPair, type ShippedDaemon } from './shipped-lab.js';
import { readUnitLaunch, without } from './unit-options.js';

const PROBE = fileURLToPath(new URL('./memory-probe.js', import.meta.url));

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    sizes: { type: 'string', default: '1,255' },
    variant: { type: 'string', multiple: true, default: [] },
    breakdown: { type: 'boolean', default: false },
    env: { type: 'string', multiple: true, default: [] },
  },
});

interface Variant {
  readonly name: string;
  readonly nodeOptions: string;
}

const unit = readUnitLaunch();
// The unit's own Environment= first; --env adds to it or replaces a value.
const EXTRA_ENV: Record<string, string> = { ...unit.env, ...Object.fromEntries((values.env as string[]).map((spec) => [spec.slice(0, spec.indexOf('=')), spec.slice(spec.indexOf('=') + 1)])) };
const variants: Variant[] = [
  { name: 'unit', nodeOptions: unit.nodeOptions },
  // The same without --jitless, when the unit sets it (otherwise it would only repeat "unit").
  ...(unit.nodeOptions.split(/\s+/).includes('--jitless') ? [{ name: 'unit-jit', nodeOptions: without(unit.nodeOptions, '--jitless') }] : []),
  ...(values.variant as string[]).map((spec) => {
    const at = spec.indexOf('=');
    return { name: spec.slice(0, at), nodeOptions: `${without(unit.nodeOptions, '--jitless')} ${spec.slice(at + 1)}`.trim() };
  }),
];

interface Sample {
  readonly rssMb: number;
  readonly hwmMb: number;
  readonly anonMb: number;
  readonly cpu: number;
  readonly probe?: string;
  /** Instances in the expected state (MASTER / BACKUP) when sampling began. */
  readonly settled?: number;
}

/** How long a side gets to bring every instance to its state before it is measured anyway. */
const SETTLE_MS = 60_000;

async function sample(daemon: ShippedDaemon, seconds: number): Promise<Sample> {
  const cpu = await cpuPercentOver(daemon.pid, seconds * 1000);
  const memory = memoryOf(daemon.pid);
  if (memory === undefined) throw new Error(`daemon ${daemon.pid} has gone:\n${daemon.raw.slice(-10).join('\n')}`);
  const probe = daemon.raw.filter((line) => line.includes('"memoryProbe"')).at(-1);
  return { rssMb: memory.rssMb, hwmMb: memory.hwmMb, anonMb: memory.anonMb, cpu, ...(probe === undefined ? {} : { probe }) };
}

async function runCase(variant: Variant, size: number, seconds: number): Promise<[Sample, Sample]> {
  const pair = await ShippedPair.create('ipfo-mem');
  try {
    const nodeOptions = values.breakdown ? `${variant.nodeOptions} --import=${PROBE}`.trim() : variant.nodeOptions;
    const launch = { nodeOptions, nice: unit.nice, env: EXTRA_ENV };
    const vrids = Array.from({ length: size }, (_, i) => i + 1);
    const master = pair.start(1, vrids.map((v) => ipv4Instance(v, 200, 100)), launch);
    const masters = await master.settled('MASTER', size, SETTLE_MS);
    const backup = pair.start(2, vrids.map((v) => ipv4Instance(v, 100, 100)), launch);
    const backups = await backup.settled('BACKUP', size, SETTLE_MS);
    // A few seconds for start-up garbage to be collected and the JIT to settle.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const [m, b] = await Promise.all([sample(master, seconds), sample(backup, seconds)]);
    return [{ ...m, settled: masters }, { ...b, settled: backups }];
  } finally {
    await pair.destroy();
  }
}

const mb = (value: number): string => value.toFixed(1).padStart(6);
const pct = (value: number): string => value.toFixed(1).padStart(5);

const envText = Object.entries(EXTRA_ENV).map(([name, value]) => `${name}=${value}`).join(' ');
console.log(`memory: ${values.seconds} s per case after settling; unit NODE_OPTIONS="${unit.nodeOptions}" Nice=${unit.nice}; node ${process.version}${envText === '' ? '' : `; env ${envText}`}`);
console.log('RSS / peak / anon in MB (VmRSS, VmHWM, RssAnon), CPU in % of one core; IPv4 instances at 100 ms');
console.log(`${'variant'.padEnd(12)} ${'N'.padStart(4)} | master  RSS   peak   anon   CPU | backup  RSS   peak   anon   CPU | settled m/b | NODE_OPTIONS`);
for (const size of (values.sizes as string).split(',').map(Number)) {
  for (const variant of variants) {
    const [m, b] = await runCase(variant, size, Number(values.seconds));
    console.log(
      `${variant.name.padEnd(12)} ${String(size).padStart(4)} |     ${mb(m.rssMb)} ${mb(m.hwmMb)} ${mb(m.anonMb)} ${pct(m.cpu)} |     ${mb(b.rssMb)} ${mb(b.hwmMb)} ${mb(b.anonMb)} ${pct(b.cpu)} | ${`${m.settled}/${b.settled}`.padStart(11)} | ${variant.nodeOptions}`,
    );
    if (m.probe !== undefined) console.log(`  master ${m.probe}`);
    if (b.probe !== undefined) console.log(`  backup ${b.probe}`);
  }
}
