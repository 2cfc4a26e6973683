/**
 * The four sections of `npm run bench`, each run for every implementation on the same lab and
 * printed side by side as soon as it is done; ratios are ipfailoverd / keepalived.
 */

import type { Lab } from './lab.js';
import { withCpuLoad } from './load.js';
import type { Implementation } from './peer.js';
import type { Plan } from './plan.js';
import { fixed, median, percentile, ratio, spread, table } from './report.js';
import { scale, type ScaleResult } from './scale.js';
import { startups } from './startup.js';
import { takeoverLimitMs, takeovers, type Family, type StopKind, type TakeoverRun } from './takeover.js';

type PerImpl<T> = Map<Implementation['name'], T>;

/** A case for every implementation; a failure is printed and leaves that cell empty. */
async function each<T>(lab: Lab, what: string, body: (impl: Implementation) => Promise<T>): Promise<PerImpl<T>> {
  const out: PerImpl<T> = new Map();
  for (const impl of lab.implementations) {
    try {
      out.set(impl.name, await body(impl));
    } catch (error) {
      console.log(`  ${what}, ${impl.name}: failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return out;
}

const OURS = 'ipfailoverd';
const THEIRS = 'keepalived';

function notes(label: string, runs: readonly TakeoverRun[]): string[] {
  return runs.flatMap((run, i) => (run.note === '' ? [] : [`  ${label} trial ${i + 1}: ${run.note}`]));
}

export interface TakeoverFigures {
  /** interval/family/kind → implementation → runs. */
  readonly runs: Map<string, PerImpl<TakeoverRun[]>>;
}

const key = (intervalMs: number, family: Family, kind: StopKind) => `${intervalMs}/${family}/${kind}`;

export async function takeoverSection(lab: Lab, plan: Plan): Promise<TakeoverFigures> {
  const { intervals, families, kinds, trials } = plan.takeover;
  console.log(`\n## Takeover over the protocol limit, on the wire (ms; median / p95 / max of ${trials} trials)`);
  console.log('limit: SIGKILL Active_Down_Interval, graceful Skew_Time (priority 100); ann−adv: first GARP/NA − first advertisement of the new master');
  console.log('to GARP/NA: last advertisement of the old master → first gratuitous ARP / unsolicited NA of the new one, minus the limit (overhead + ann−adv)');
  const figures: TakeoverFigures = { runs: new Map() };
  const rows: string[][] = [];
  const remarks: string[] = [];
  let vrid = 51;
  for (const intervalMs of intervals) {
    for (const family of families) {
      const thisVrid = vrid++;
      const results = await each(lab, `takeover ${intervalMs} ms ${family}`, (impl) => takeovers(lab, impl, { intervalMs, family, kinds, trials }, thisVrid));
      for (const kind of kinds) {
        const byImpl: PerImpl<TakeoverRun[]> = new Map();
        for (const [name, perKind] of results) byImpl.set(name, perKind.get(kind) ?? []);
        figures.runs.set(key(intervalMs, family, kind), byImpl);
        const ours = byImpl.get(OURS) ?? [];
        const theirs = byImpl.get(THEIRS) ?? [];
        const over = (runs: readonly TakeoverRun[]) => runs.map((r) => r.overhead);
        const ann = (runs: readonly TakeoverRun[]) => runs.flatMap((r) => (r.announceDelta === null ? [] : [r.announceDelta]));
        const toAnnounce = (runs: readonly TakeoverRun[]) => runs.flatMap((r) => (r.announceDelta === null ? [] : [r.overhead + r.announceDelta]));
        rows.push([
          `${intervalMs} ms`,
          family,
          kind,
          takeoverLimitMs(kind, intervalMs).toFixed(3),
          spread(over(ours)),
          spread(over(theirs)),
          ratio(ours.length > 0 ? median(over(ours)) : undefined, theirs.length > 0 ? median(over(theirs)) : undefined),
          spread(ann(ours)),
          spread(ann(theirs)),
          spread(toAnnounce(ours)),
          spread(toAnnounce(theirs)),
        ]);
        for (const [name, runs] of byImpl) remarks.push(...notes(`${name} ${intervalMs} ms ${family} ${kind}`, runs));
      }
    }
  }
  console.log(table(['interval', 'family', 'stop', 'limit', `${OURS} overhead`, `${THEIRS} overhead`, 'ratio med', `${OURS} ann−adv`, `${THEIRS} ann−adv`, `${OURS} to GARP/NA`, `${THEIRS} to GARP/NA`], rows, 3));
  for (const line of remarks) console.log(line);
  return figures;
}

export async function loadedSection(lab: Lab, plan: Plan, idle: TakeoverFigures | undefined): Promise<void> {
  const { intervalMs, trials } = plan.loaded;
  console.log(`\n## Takeover with every core busy (stress-ng --cpu 0), SIGKILL, IPv4, ${intervalMs} ms (overhead ms; median / p95 / max)`);
  const scenario = { intervalMs, family: 'IPv4' as const, kinds: ['SIGKILL'] as const, trials };
  const idleRuns = idle?.runs.get(key(intervalMs, 'IPv4', 'SIGKILL')) ?? (await each(lab, 'idle takeover', async (impl) => (await takeovers(lab, impl, scenario, 80)).get('SIGKILL') ?? []));
  // Bounded by the time the case can take: start-up, trials, restarts.
  const seconds = 60 + trials * 10;
  const loaded = await each(lab, 'loaded takeover', (impl) => withCpuLoad(lab, seconds, async () => (await takeovers(lab, impl, scenario, 81)).get('SIGKILL') ?? []));
  const rows: string[][] = [];
  const medians = new Map<string, number>();
  for (const impl of lab.implementations) {
    const quiet = (idleRuns.get(impl.name) ?? []).map((r) => r.overhead);
    const busy = (loaded.get(impl.name) ?? []).map((r) => r.overhead);
    if (busy.length > 0) medians.set(impl.name, median(busy));
    rows.push([impl.name, spread(quiet), spread(busy), quiet.length > 0 && busy.length > 0 ? (median(busy) - median(quiet)).toFixed(3) : '-', busy.length > 0 ? (Math.max(...busy) - (quiet.length > 0 ? Math.max(...quiet) : 0)).toFixed(3) : '-']);
  }
  console.log(table(['daemon', 'idle', 'loaded', 'loaded−idle med', 'loaded−idle max'], rows));
  console.log(`ratio of loaded medians ${OURS}/${THEIRS}: ${ratio(medians.get(OURS), medians.get(THEIRS))}`);
  for (const [name, runs] of loaded) for (const line of notes(`${name} loaded`, runs)) console.log(line);
}

/** "N while the backup started (from −a to −b ms), M in the window (first at +c ms)". */
function twoMastersWhen(at: readonly number[]): string {
  const before = at.filter((t) => t < 0);
  const during = at.filter((t) => t >= 0);
  const parts: string[] = [];
  if (before.length > 0) parts.push(`${before.length} while the backup started (${Math.min(...before).toFixed(0)} to ${Math.max(...before).toFixed(0)} ms before the window)`);
  if (during.length > 0) parts.push(`${during.length} in the window (first at +${Math.min(...during).toFixed(0)} ms)`);
  return `two masters: ${parts.join(', ')}`;
}

export async function scaleSection(lab: Lab, plan: Plan): Promise<void> {
  const { sizes, intervals, windowMs } = plan.scale;
  console.log(`\n## Scale: IPv4 instances on one master/backup pair (${(windowMs / 1000).toFixed(0)} s window per point)`);
  console.log('CPU: % of one core, master / backup (utime+stime from /proc); RSS: MB, master / backup (keepalived: both its processes)');
  console.log('µs/adv: CPU µs per advertisement sent (master) / received (backup); 2×master: instances whose VIP was ever on both members');
  const cpuRows: string[][] = [];
  const advRows: string[][] = [];
  const remarks: string[] = [];
  for (const intervalMs of intervals) {
    for (const instances of sizes) {
      const results = await each(lab, `scale ${instances} × ${intervalMs} ms`, (impl) => scale(lab, impl, { instances, intervalMs }, windowMs));
      const o = results.get(OURS);
      const k = results.get(THEIRS);
      const pair = (r: ScaleResult | undefined, pick: (s: ScaleResult['master']) => number, digits: number) =>
        r === undefined ? '-' : `${fixed(pick(r.master), digits)} / ${fixed(pick(r.backup), digits)}`;
      const two = (r: ScaleResult | undefined) => (r === undefined ? '-' : `${r.twoMasters}${r.masterHolds === instances ? '' : ` (m1 holds ${r.masterHolds})`}`);
      const label = [`${intervalMs} ms`, String(instances)];
      for (const [name, r] of results) {
        if (r.twoMasters > 0) remarks.push(`  ${name} ${instances} × ${intervalMs} ms: ${twoMastersWhen(r.twoMastersAt)}`);
        if (r.monitorOverruns > 0) remarks.push(`  ${name} ${instances} × ${intervalMs} ms: the address monitor lost ${r.monitorOverruns} batch(es) of changes: two masters may be undercounted`);
      }
      cpuRows.push([
        ...label,
        pair(o, (s) => s.cpu.percent, 1),
        pair(k, (s) => s.cpu.percent, 1),
        `${ratio(o?.master.cpu.percent, k?.master.cpu.percent)} / ${ratio(o?.backup.cpu.percent, k?.backup.cpu.percent)}`,
        pair(o, (s) => s.rssMb, 1),
        pair(k, (s) => s.rssMb, 1),
        two(o),
        two(k),
      ]);
      advRows.push([...label, pair(o, (s) => s.usPerAdvert, 0), pair(k, (s) => s.usPerAdvert, 0), `${ratio(o?.master.usPerAdvert, k?.master.usPerAdvert)} / ${ratio(o?.backup.usPerAdvert, k?.backup.usPerAdvert)}`]);
    }
  }
  console.log(table(['interval', 'N', `${OURS} CPU`, `${THEIRS} CPU`, 'ratio', `${OURS} RSS`, `${THEIRS} RSS`, `${OURS} 2×master`, `${THEIRS} 2×master`], cpuRows, 1));
  for (const line of remarks) console.log(line);
  console.log('');
  console.log(table(['interval', 'N', `${OURS} µs/adv`, `${THEIRS} µs/adv`, 'ratio'], advRows, 1));
}

export async function startupSection(lab: Lab, plan: Plan): Promise<void> {
  console.log(`\n## Start-up with one instance (${plan.startupTrials} trials): process start → ready; RSS 1 s later`);
  const results = await each(lab, 'start-up', (impl) => startups(lab, impl, plan.startupTrials));
  const rows = lab.implementations.map((impl) => {
    const runs = results.get(impl.name) ?? [];
    const ready = runs.map((r) => r.readyMs);
    return [impl.name, spread(ready, 0), runs.length > 0 ? fixed(median(runs.map((r) => r.rssMb))) : '-', runs.length > 0 ? fixed(percentile(runs.map((r) => r.rssMb), 100)) : '-'];
  });
  console.log(table(['daemon', 'ready ms med / p95 / max', 'RSS MB med', 'RSS MB max'], rows));
  const med = (name: string, pick: (r: { readyMs: number; rssMb: number }) => number) => {
    const runs = results.get(name as Implementation['name']) ?? [];
    return runs.length > 0 ? median(runs.map(pick)) : undefined;
  };
  console.log(`ratios ${OURS}/${THEIRS}: ready ${ratio(med(OURS, (r) => r.readyMs), med(THEIRS, (r) => r.readyMs))}, RSS ${ratio(med(OURS, (r) => r.rssMb), med(THEIRS, (r) => r.rssMb))}`);
}
