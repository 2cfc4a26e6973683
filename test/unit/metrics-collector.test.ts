/** The Prometheus view of the daemon: each metric's value from the snapshots, at scrape time. */

import t from 'tap';
import { newCounters } from '../../src/runtime/counters.js';
import { MetricsCollector, viewOf, type MetricsInstance, type MetricsView } from '../../src/runtime/metrics-collector.js';
import type { SocketSnapshot } from '../../src/runtime/receive-hub.js';
import { parseExposition, sample } from '../helpers/exposition.js';
import { snapshot } from '../helpers/snapshots.js';

function instance(overrides: Partial<MetricsInstance> = {}): MetricsInstance {
  const { sinceMonotonicMs: _, ...rest } = snapshot();
  return { ...rest, sinceWallMs: 1_700_000_000_000, ...overrides };
}

const SOCKET: SocketSnapshot = { socket: 'eth0/4', deaf: false, received: 40, unattributed: { 'unknown-vrid': 3, 'bad-ttl': 1 }, otherVersions: [], handlerErrors: 0, kernelDrops: 2 };

async function scrape(view: () => MetricsView) {
  const collector = new MetricsCollector(view, { defaultMetrics: false });
  const { contentType, body } = await collector.scrape();
  return { contentType, body, samples: parseExposition(body) };
}

const WEB = { instance: 'web', interface: 'eth0', vrid: '51', family: 'ipv4' };
const WEB6 = { instance: 'web6', interface: 'eth1', vrid: '61', family: 'ipv6' };

t.test('instance gauges: state in keepalived numbering, effective priority, role, time of the last transition', async (t) => {
  const { samples, contentType } = await scrape(() => ({
    instances: [
      instance({ state: 'MASTER', priority: { configured: 100, effective: 90 }, role: { expected: 'BACKUP', matches: false } }),
      instance({ name: 'web6', interface: 'eth1', vrid: 61, family: 6, state: 'FAULT', sinceWallMs: 1_700_000_123_500 }),
    ],
    sockets: [],
  }));
  t.match(contentType, /^text\/plain; version=0\.0\.4/);
  t.equal(sample(samples, 'ipfailoverd_instance_state', WEB), 2, 'MASTER is 2');
  t.equal(sample(samples, 'ipfailoverd_instance_state', WEB6), 3, 'FAULT is 3');
  t.equal(sample(samples, 'ipfailoverd_instance_priority', WEB), 90, 'the effective priority, not the configured one');
  t.equal(sample(samples, 'ipfailoverd_instance_role_matches', WEB), 0);
  t.equal(sample(samples, 'ipfailoverd_instance_role_matches', WEB6), 1);
  t.equal(sample(samples, 'ipfailoverd_last_transition_timestamp_seconds', WEB6), 1_700_000_123.5, 'seconds since the epoch');
});

t.test('INIT is 0 and BACKUP is 1', async (t) => {
  const { samples } = await scrape(() => ({ instances: [instance({ state: 'INIT' }), instance({ ...WEB6, name: 'web6', vrid: 61, family: 6, state: 'BACKUP' })], sockets: [] }));
  t.equal(sample(samples, 'ipfailoverd_instance_state', WEB), 0);
  t.equal(sample(samples, 'ipfailoverd_instance_state', WEB6), 1);
});

t.test('counters are the daemon\'s own, copied whole at each scrape', async (t) => {
  const counters = { ...newCounters(), advertsSent: 12, advertsReceived: 30, sendErrors: 1, announcements: 5, transitionsTo: { BACKUP: 2, MASTER: 1 }, rejected: { 'bad-checksum': 4 } };
  let view: MetricsView = { instances: [instance({ counters })], sockets: [] };
  const collector = new MetricsCollector(() => view, { defaultMetrics: false });
  const first = parseExposition((await collector.scrape()).body);
  t.equal(sample(first, 'ipfailoverd_adverts_sent_total', WEB), 12);
  t.equal(sample(first, 'ipfailoverd_adverts_received_total', WEB), 30);
  t.equal(sample(first, 'ipfailoverd_advert_send_errors_total', WEB), 1);
  t.equal(sample(first, 'ipfailoverd_announcements_total', WEB), 5);
  t.equal(sample(first, 'ipfailoverd_adverts_rejected_total', { ...WEB, reason: 'bad-checksum' }), 4);
  t.equal(sample(first, 'ipfailoverd_transitions_total', { ...WEB, to: 'MASTER' }), 1);
  t.equal(sample(first, 'ipfailoverd_transitions_total', { ...WEB, to: 'BACKUP' }), 2);
  t.equal(sample(first, 'ipfailoverd_transitions_total', { ...WEB, to: 'FAULT' }), 0, 'every target is there from the start, at 0');
  t.equal(sample(first, 'ipfailoverd_transitions_total', { ...WEB, to: 'INIT' }), 0);

  view = { instances: [instance({ counters: { ...counters, advertsSent: 15, transitionsTo: { BACKUP: 2, MASTER: 2 } } })], sockets: [] };
  const second = parseExposition((await collector.scrape()).body);
  t.equal(sample(second, 'ipfailoverd_adverts_sent_total', WEB), 15, 'the new value, not the sum of both scrapes');
  t.equal(sample(second, 'ipfailoverd_transitions_total', { ...WEB, to: 'MASTER' }), 2);
});

t.test('an instance removed by a reload leaves no series behind', async (t) => {
  let view: MetricsView = { instances: [instance(), instance({ name: 'web6', interface: 'eth1', vrid: 61, family: 6 })], sockets: [] };
  const collector = new MetricsCollector(() => view, { defaultMetrics: false });
  t.equal(sample(parseExposition((await collector.scrape()).body), 'ipfailoverd_instance_state', WEB6), 1);
  view = { instances: [instance()], sockets: [] };
  const after = parseExposition((await collector.scrape()).body);
  t.equal(sample(after, 'ipfailoverd_instance_state', WEB6), undefined);
  t.equal(sample(after, 'ipfailoverd_adverts_sent_total', WEB6), undefined);
  t.equal(sample(after, 'ipfailoverd_instance_state', WEB), 1);
});

t.test('ipfailoverd_peers: the size of the peer table, 0 when nobody was heard', async (t) => {
  const heard = (address: string) => ({ address, priority: 100, maxAdvertIntervalMs: 1000, checksum: 'rfc5798', firstHeardMonotonicMs: 0, lastHeardMonotonicMs: 0, count: 1 });
  const { samples } = await scrape(() => ({
    instances: [instance({ peers: [heard('192.0.2.2'), heard('192.0.2.3')] }), instance({ name: 'web6', interface: 'eth1', vrid: 61, family: 6 })],
    sockets: [],
  }));
  t.equal(sample(samples, 'ipfailoverd_peers', WEB), 2);
  t.equal(sample(samples, 'ipfailoverd_peers', WEB6), 0);
});

t.test('viewOf: monotonic time becomes wall-clock time', async (t) => {
  const before = Date.now();
  const view = viewOf({ snapshot: () => [snapshot({ sinceMonotonicMs: performance.now() })], sockets: () => [SOCKET] });
  const wall = view.instances[0]?.sinceWallMs ?? 0;
  t.ok(wall >= before - 5 && wall <= Date.now() + 5, `${wall} is now on the wall clock`);
  t.equal(view.sockets[0], SOCKET);
});

t.test('sockets: every datagram read, dropped unattributed by reason, or dropped by the kernel', async (t) => {
  const { samples } = await scrape(() => ({ instances: [], sockets: [SOCKET, { ...SOCKET, socket: 'eth1/6', deaf: true, received: 0, unattributed: {}, kernelDrops: 0 }] }));
  t.equal(sample(samples, 'ipfailoverd_socket_datagrams_total', { socket: 'eth0/4' }), 40);
  t.equal(sample(samples, 'ipfailoverd_socket_unattributed_total', { socket: 'eth0/4', reason: 'unknown-vrid' }), 3);
  t.equal(sample(samples, 'ipfailoverd_socket_unattributed_total', { socket: 'eth0/4', reason: 'bad-ttl' }), 1);
  t.equal(sample(samples, 'ipfailoverd_socket_kernel_drops_total', { socket: 'eth0/4' }), 2);
  t.equal(sample(samples, 'ipfailoverd_socket_deaf', { socket: 'eth0/4' }), 0);
  t.equal(sample(samples, 'ipfailoverd_socket_deaf', { socket: 'eth1/6' }), 1);
  t.equal(sample(samples, 'ipfailoverd_socket_datagrams_total', { socket: 'eth1/6' }), 0);
});

t.test('the snapshot is taken once per scrape, not once per metric', async (t) => {
  let taken = 0;
  const collector = new MetricsCollector(() => {
    taken++;
    return { instances: [instance()], sockets: [SOCKET] };
  }, { defaultMetrics: false });
  await collector.scrape();
  t.equal(taken, 1);
});

t.test('with the default metrics: the process and event-loop lag metrics are there too', async (t) => {
  const collector = new MetricsCollector(() => ({ instances: [instance()], sockets: [] }), { defaultMetrics: true });
  const samples = parseExposition((await collector.scrape()).body);
  t.ok(samples.some((s) => s.name === 'nodejs_eventloop_lag_seconds'), 'nodejs_eventloop_lag_seconds');
  t.ok(samples.some((s) => s.name === 'process_resident_memory_bytes'), 'process_resident_memory_bytes');
  t.equal(sample(samples, 'ipfailoverd_instance_state', WEB), 1);
});

t.test('no default metric that promtool lint refuses (gauges named *_total)', async (t) => {
  const collector = new MetricsCollector(() => ({ instances: [], sockets: [] }), { defaultMetrics: true });
  const { body } = await collector.scrape();
  const gauges = [...body.matchAll(/^# TYPE (\S+) gauge$/gm)].map((m) => m[1]);
  t.same(gauges.filter((name) => name?.endsWith('_total')), []);
  t.match(body, /^nodejs_active_handles\{/m, 'the per-type handle counts stay');
});
