/**
 * A keepalived left at its default for IPv4, VRRPv2, in a group with ours (VRRPv3 only, RFC 9568
 * §7.1 "MUST verify that the VRRP version is 3"): ours drops every advertisement as bad-version
 * and counts them per source, so `ipfailoverctl status` (and `--json`) names keepalived's address
 * and says what to change on it; the journal says it once.
 *
 * Needs root and keepalived; fails (does not skip) without them.
 */

import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { versionAdvice } from '../../src/runtime/version-peers.js';
import { Cluster, webInstance } from '../integration/helpers/cluster.js';
import { ctl, statusSocketReady } from '../integration/helpers/ctl.js';
import { waitFor } from '../integration/helpers/topology.js';
import { keepalivedConfig, KeepalivedProcess, type KeepalivedInstance } from './helpers/keepalived.js';

interface VersionRow {
  address: string;
  version: number;
  count: number;
  advice: string;
}

t.test('keepalived at VRRPv2: per-peer bad-version count and the advice in status, one log line', async (t) => {
  if (process.getuid?.() !== 0) throw new Error('needs root: builds network namespaces');
  const dir = mkdtempSync(join(tmpdir(), 'ipfo-kv2-'));
  const cluster = await Cluster.create(2, 'ipfo-kv2');
  const instance: KeepalivedInstance = { name: 'web', vrid: 51, priority: 150, advertInt: 1, virtualAddresses: ['203.0.113.10/32'] };
  // The helper's file says vrrp_version 3; a site that never set it speaks 2.
  const ka = new KeepalivedProcess(cluster.member(2), dir, instance, keepalivedConfig(instance).replace('vrrp_version 3', 'vrrp_version 2'));
  t.teardown(async () => {
    if (!t.passing()) process.stderr.write(`--- keepalived:\n${ka.lines.slice(0, 30).map((l) => l.text).join("\n")}\n`);
    await ka.kill();
    await cluster.destroy();
    rmSync(dir, { recursive: true, force: true });
  });
  await ka.waitState('MASTER', 6000);
  // Ours advertises less often than keepalived (3 s against 1 s): keepalived 2.2.7 at VRRPv2 was
  // seen to send nothing while it heard our VRRPv3 every 100 ms (each dropped packet seemingly
  // pushing its own advertisement back); here it keeps sending, and ours keeps counting.
  const ours = cluster.start(1, [webInstance({ priority: 100, advertIntervalMs: 3000 })]);
  const keepalivedAddress = cluster.member(2).ipv4;
  await statusSocketReady(ours.statusSocket, 5000);

  let last: unknown;
  t.teardown(() => { if (!t.passing()) process.stderr.write(`--- last status: ${JSON.stringify(last)}\n--- ours:\n${ours.raw.slice(-20).join('\n')}\n`); });
  const rows = await waitFor('a few VRRPv2 advertisements counted', async () => {
    const reply = JSON.parse((await ctl(ours.statusSocket, ['--json', 'status'])).stdout) as { instances: Array<{ name: string; otherVersions: VersionRow[] }> };
    last = reply;
    const found = reply.instances.find((i) => i.name === 'web')?.otherVersions ?? [];
    return found.some((r) => r.count >= 3) ? found : undefined;
  }, 8000);
  t.same(rows.map((r) => [r.address, r.version]), [[keepalivedAddress, 2]], 'status --json: keepalived\'s address, version 2');
  t.equal(rows[0]?.advice, versionAdvice(2));

  const text = (await ctl(ours.statusSocket, ['status'])).stdout;
  t.match(text, new RegExp(`web: VRRPv2 from ${keepalivedAddress.replace(/\./g, '\\.')} \\(\\d+ advertisements dropped\\): set version 3 on the keepalived side`), 'ipfailoverctl status says it in a line');

  const logged = ours.lines.filter((l) => l.reason === 'bad-version');
  t.equal(logged.length, 1, 'logged once (rate-limited per peer)');
  t.equal(logged[0]?.version, 2);
  t.equal(logged[0]?.peer, keepalivedAddress);
  t.equal(logged[0]?.advice, versionAdvice(2));
});
