/**
 * The metrics endpoint of a real daemon in a namespace: scraped from inside it, the exposition
 * passes promtool, and the values follow a takeover (the backup's state 1 -> 2, a transition to
 * MASTER counted, advertisements counted both ways).
 */

import t from 'tap';
import { activeDownIntervalMs } from '../../src/protocol/timers.js';
import { parseExposition, sample, type ParsedSample } from '../helpers/exposition.js';
import { Cluster, webInstance } from './helpers/cluster.js';
import { promtool, requirePromtool } from './helpers/promtool.js';
import { requireRoot } from './helpers/root.js';
import { inNs, waitFor } from './helpers/topology.js';

/** Scheduling noise on a loaded 2-core CI machine, on top of the protocol's own time. */
const MARGIN_MS = 1000;
const WEB = { instance: 'web', interface: 'eth0', vrid: '51', family: 'ipv4' };

// Run inside the member's namespace: its loopback is not the host's.
const GET = `const [url, method] = process.argv.slice(1);
require('node:http').request(url, { method }, (res) => {
  let body = '';
  res.on('data', (c) => (body += c));
  res.on('end', () => process.stdout.write(JSON.stringify({ status: res.statusCode, body })));
}).on('error', (e) => { process.stdout.write(JSON.stringify({ error: e.code })); }).end();`;

async function fetchIn(ns: string, url: string, method = 'GET'): Promise<{ status?: number; body?: string; error?: string }> {
  return JSON.parse(await inNs(ns, process.execPath, '-e', GET, url, method)) as { status?: number; body?: string; error?: string };
}

async function scrape(ns: string, url: string): Promise<{ body: string; samples: ParsedSample[] }> {
  const answer = await fetchIn(ns, url);
  if (answer.status !== 200 || answer.body === undefined) throw new Error(`scrape of ${url} in ${ns}: ${JSON.stringify(answer)}`);
  return { body: answer.body, samples: parseExposition(answer.body) };
}

if (requireRoot(t)) {
  t.test('a takeover as the metrics tell it, and promtool accepts the exposition', async (t) => {
    await requirePromtool();
    const cluster = await Cluster.create(2, 'ipfo-me');
    t.teardown(() => cluster.destroy());
    const master = cluster.start(1, [webInstance({ priority: 150 })], { metrics: { listen: '[::1]:9650' } });
    await master.waitState('MASTER', 8000);
    // Started once the master advertises, so that its counters begin at a Backup's: two daemons
    // started together on a busy machine may start further apart than an election takes.
    const backup = cluster.start(2, [webInstance({ priority: 100 })], { metrics: { listen: '127.0.0.1:9650' } });
    await backup.waitState('BACKUP', 8000);
    await backup.waitLine({ listen: '127.0.0.1:9650' }, 2000);
    await master.waitLine({ listen: '[::1]:9650' }, 2000);
    const at = 'http://127.0.0.1:9650/metrics';
    const { ns } = cluster.member(2);

    const before = await waitFor('advertisements heard', async () => {
      const s = await scrape(ns, at);
      return (sample(s.samples, 'ipfailoverd_adverts_received_total', WEB) ?? 0) > 0 ? s : undefined;
    }, 2000);
    t.equal(sample(before.samples, 'ipfailoverd_instance_state', WEB), 1, 'BACKUP');
    t.equal(sample(before.samples, 'ipfailoverd_instance_role_matches', WEB), 1);
    t.equal(sample(before.samples, 'ipfailoverd_instance_priority', WEB), 100);
    t.equal(sample(before.samples, 'ipfailoverd_transitions_total', { ...WEB, to: 'MASTER' }), 0);
    t.equal(sample(before.samples, 'ipfailoverd_transitions_total', { ...WEB, to: 'BACKUP' }), 1);
    t.equal(sample(before.samples, 'ipfailoverd_adverts_sent_total', WEB), 0, 'a backup sends none');
    const sockets = before.samples.filter((s) => s.name === 'ipfailoverd_socket_datagrams_total');
    t.equal(sockets.length, 1, 'one receive socket (eth0, IPv4)');
    const datagrams = sockets[0]?.value ?? 0;
    t.ok(datagrams >= (sample(before.samples, 'ipfailoverd_adverts_received_total', WEB) ?? 0), `every advertisement was read from the socket (${datagrams} datagrams)`);
    t.ok(before.samples.some((s) => s.name === 'nodejs_eventloop_lag_seconds'), 'the event-loop lag is there');
    const check = await promtool(['check', 'metrics'], before.body);
    t.equal(check.code, 0, `promtool check metrics: ${check.output}`);

    const fromMaster = await scrape(cluster.member(1).ns, 'http://[::1]:9650/metrics');
    t.equal(sample(fromMaster.samples, 'ipfailoverd_instance_state', WEB), 2, 'the master, over IPv6 loopback');
    t.ok((sample(fromMaster.samples, 'ipfailoverd_adverts_sent_total', WEB) ?? 0) > 0, 'the master counts what it sends');

    t.equal((await fetchIn(ns, 'http://127.0.0.1:9650/')).status, 404);
    t.equal((await fetchIn(ns, at, 'POST')).status, 405);

    const mark = backup.lines.length;
    const killedAt = Date.now();
    master.kill('SIGKILL');
    await backup.waitState('MASTER', activeDownIntervalMs(100, 10) + MARGIN_MS, { from: mark });
    const after = await waitFor('adverts sent as master', async () => {
      const s = await scrape(ns, at);
      return (sample(s.samples, 'ipfailoverd_adverts_sent_total', WEB) ?? 0) > 0 ? s : undefined;
    }, 2000);
    t.equal(sample(after.samples, 'ipfailoverd_instance_state', WEB), 2, 'MASTER');
    t.equal(sample(after.samples, 'ipfailoverd_transitions_total', { ...WEB, to: 'MASTER' }), 1, 'one transition to MASTER');
    t.equal(sample(after.samples, 'ipfailoverd_instance_role_matches', WEB), 0, 'no groupMaster configured: this member is not the planned master');
    t.ok((sample(after.samples, 'ipfailoverd_announcements_total', WEB) ?? 0) > 0, 'gratuitous ARP counted');
    t.ok((sample(after.samples, 'ipfailoverd_adverts_received_total', WEB) ?? 0) >= (sample(before.samples, 'ipfailoverd_adverts_received_total', WEB) ?? 0), 'received does not go back');
    const changed = (sample(after.samples, 'ipfailoverd_last_transition_timestamp_seconds', WEB) ?? 0) * 1000;
    t.ok(changed >= killedAt - 50 && changed <= Date.now() + 50, `the last transition is after the kill (${changed - killedAt} ms)`);
    const recheck = await promtool(['check', 'metrics'], after.body);
    t.equal(recheck.code, 0, `promtool check metrics: ${recheck.output}`);
  });

  t.test('reload moves the endpoint; a port in use is retried until free, never fatal', async (t) => {
    await requirePromtool();
    const cluster = await Cluster.create(1, 'ipfo-mr');
    t.teardown(() => cluster.destroy());
    const { ns } = cluster.member(1);
    // Another program holds 9651 in the member's namespace when the daemon starts.
    const blocker = new (await import('./helpers/topology.js')).NsProcess(ns, [process.execPath, '-e', "require('node:net').createServer().listen(9651, '127.0.0.1', () => console.log('{\"blocking\":true}'))"]);
    t.teardown(() => blocker.kill('SIGKILL'));
    await blocker.waitLine({ blocking: true }, 5000);
    const daemon = cluster.start(1, [webInstance()], { metrics: { listen: '127.0.0.1:9651' } });
    const failed = await daemon.waitLine({ reason: 'metrics-listen-failed' }, 5000);
    t.equal(failed.listen, '127.0.0.1:9651');
    t.equal(failed.code, 'EADDRINUSE');
    await daemon.waitState('MASTER', 4000);
    blocker.kill('SIGKILL');
    await blocker.exited;
    await daemon.waitLine({ listen: '127.0.0.1:9651', msg: 'metrics endpoint listening on http://127.0.0.1:9651/metrics' }, 10_000);
    t.equal(sample((await scrape(ns, 'http://127.0.0.1:9651/metrics')).samples, 'ipfailoverd_instance_state', WEB), 2);

    cluster.writeConfig(1, [webInstance()], { metrics: { listen: '127.0.0.1:9652' } });
    const mark = daemon.lines.length;
    daemon.kill('SIGHUP');
    await daemon.waitLine({ listen: '127.0.0.1:9652' }, 5000, mark);
    t.equal((await scrape(ns, 'http://127.0.0.1:9652/metrics')).samples.length > 0, true);
    t.equal((await fetchIn(ns, 'http://127.0.0.1:9651/metrics')).error, 'ECONNREFUSED', 'the old address is closed');

    cluster.writeConfig(1, [webInstance()]);
    const mark2 = daemon.lines.length;
    daemon.kill('SIGHUP');
    await daemon.waitLine({ msg: 'configuration reloaded' }, 5000, mark2);
    t.equal((await fetchIn(ns, 'http://127.0.0.1:9652/metrics')).error, 'ECONNREFUSED', 'metrics taken out: nothing listens');
    t.equal(await daemon.stop(), 0);
  });
}
