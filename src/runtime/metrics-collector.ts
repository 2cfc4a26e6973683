/**
 * What the Prometheus endpoint reports, built from the same snapshots as the status socket, at
 * scrape time: every metric has a collect() that reads the view taken when the scrape began, so
 * nothing is counted twice and nothing on the packet or timer path touches a metric. The HTTP
 * side is metrics-server.ts; this module has no sockets.
 *
 * The names and labels are a contract (issue 10): `instance`, `interface`, `vrid`, `family` on
 * every instance metric; the state numbering is the one keepalived's exporters use.
 */

import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { wallClockMs } from './clock.js';
import type { InstanceSnapshot } from './instance-driver.js';
import type { SocketSnapshot } from './receive-hub.js';

/** An instance as the collector needs it: ipfailoverd_peers is the length of its peer table. */
export type MetricsInstance = Omit<InstanceSnapshot, 'sinceMonotonicMs'> & {
  /** When the current state was entered, wall-clock milliseconds since the epoch. */
  readonly sinceWallMs: number;
};

export interface MetricsView {
  readonly instances: readonly MetricsInstance[];
  readonly sockets: readonly SocketSnapshot[];
}

/** The daemon's snapshots as the collector reads them, monotonic time made wall-clock time. */
export function viewOf(daemon: { snapshot(): InstanceSnapshot[]; sockets(): SocketSnapshot[] }): MetricsView {
  return {
    instances: daemon.snapshot().map(({ sinceMonotonicMs, ...rest }) => ({ ...rest, sinceWallMs: wallClockMs(sinceMonotonicMs) })),
    sockets: daemon.sockets(),
  };
}

/** keepalived's exporters' numbering: dashboards made for those read ours unchanged. */
export const STATE_VALUE: Readonly<Record<string, number>> = { INIT: 0, BACKUP: 1, MASTER: 2, FAULT: 3 };
/** Every target is reported from the start (at 0), so that increase() sees the first transition. */
const TRANSITION_TARGETS = Object.keys(STATE_VALUE);

const LINT_FAILING_DEFAULTS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

const INSTANCE_LABELS = ['instance', 'interface', 'vrid', 'family'] as const;
type InstanceLabel = (typeof INSTANCE_LABELS)[number];
type Labels<K extends string> = Record<K, string>;

function instanceLabels(i: MetricsInstance): Labels<InstanceLabel> {
  return { instance: i.name, interface: i.interface, vrid: String(i.vrid), family: i.family === 4 ? 'ipv4' : 'ipv6' };
}

export interface MetricsOptions {
  /** prom-client's process and Node.js metrics (event-loop lag among them); off in unit tests. */
  readonly defaultMetrics: boolean;
}

/** One row of a metric family: its labels and value. */
interface Sample<K extends string> {
  readonly labels: Labels<K>;
  readonly value: number;
}

export class MetricsCollector {
  readonly registry = new Registry();
  private view: MetricsView = { instances: [], sockets: [] };

  constructor(
    private readonly source: () => MetricsView,
    options: MetricsOptions,
  ) {
    const perInstance = <K extends string = never>(rows: (i: MetricsInstance) => Array<Sample<K>>) => (): Array<Sample<InstanceLabel | K>> =>
      this.view.instances.flatMap((i) => {
        const labels = instanceLabels(i);
        return rows(i).map((row) => ({ labels: { ...labels, ...row.labels }, value: row.value }));
      });
    const one = (value: number): Array<Sample<never>> => [{ labels: {}, value }];

    this.gauge('ipfailoverd_instance_state', 'State of the instance: 0 init, 1 backup, 2 master, 3 fault.', INSTANCE_LABELS, perInstance((i) => one(STATE_VALUE[i.state] ?? 0)));
    this.gauge('ipfailoverd_instance_priority', 'Effective priority (configured, plus tracking weights; 0 while stepped down or stopping).', INSTANCE_LABELS, perInstance((i) => one(i.priority.effective)));
    this.gauge(
      'ipfailoverd_instance_role_matches',
      "1 if the instance's state is the role the failover group's plan gives this member (groupMaster), else 0.",
      INSTANCE_LABELS,
      perInstance((i) => one(i.role.matches ? 1 : 0)),
    );
    this.gauge(
      'ipfailoverd_last_transition_timestamp_seconds',
      'When the instance entered its current state (at start: when it entered INIT), seconds since the epoch.',
      INSTANCE_LABELS,
      perInstance((i) => one(i.sinceWallMs / 1000)),
    );
    this.gauge(
      'ipfailoverd_peers',
      'Routers in the instance peer table.',
      INSTANCE_LABELS,
      perInstance((i) => one(i.peers.length)),
    );
    this.counter(
      'ipfailoverd_transitions_total',
      'State transitions, by the state entered.',
      [...INSTANCE_LABELS, 'to'],
      perInstance((i) => TRANSITION_TARGETS.map((to) => ({ labels: { to }, value: i.counters.transitionsTo[to] ?? 0 }))),
    );
    this.counter('ipfailoverd_adverts_sent_total', 'Advertisements sent.', INSTANCE_LABELS, perInstance((i) => one(i.counters.advertsSent)));
    this.counter('ipfailoverd_advert_send_errors_total', 'Advertisements the kernel refused to send.', INSTANCE_LABELS, perInstance((i) => one(i.counters.sendErrors)));
    this.counter('ipfailoverd_adverts_received_total', 'Advertisements accepted (passed every RFC 9568 section 7.1 check).', INSTANCE_LABELS, perInstance((i) => one(i.counters.advertsReceived)));
    this.counter(
      'ipfailoverd_adverts_rejected_total',
      "Advertisements for this instance's VRID dropped, by reason (RFC 9568 section 7.1 checks).",
      [...INSTANCE_LABELS, 'reason'],
      perInstance((i) => Object.entries(i.counters.rejected).map(([reason, value]) => ({ labels: { reason }, value: value ?? 0 }))),
    );
    this.counter('ipfailoverd_announcements_total', 'Gratuitous ARP / unsolicited Neighbor Advertisement frames sent.', INSTANCE_LABELS, perInstance((i) => one(i.counters.announcements)));

    const perSocket = <K extends string = never>(rows: (s: SocketSnapshot) => Array<Sample<K>>) => (): Array<Sample<'socket' | K>> =>
      this.view.sockets.flatMap((s) => rows(s).map((row) => ({ labels: { socket: s.socket, ...row.labels }, value: row.value })));
    this.counter('ipfailoverd_socket_datagrams_total', 'Datagrams read from the receive socket (each then counted by its instance or as unattributed).', ['socket'], perSocket((s) => one(s.received)));
    this.counter(
      'ipfailoverd_socket_unattributed_total',
      'Datagrams dropped before any configured instance saw them, by reason.',
      ['socket', 'reason'],
      perSocket((s) => Object.entries(s.unattributed).map(([reason, value]) => ({ labels: { reason }, value: value ?? 0 }))),
    );
    this.counter('ipfailoverd_socket_kernel_drops_total', 'Datagrams the kernel dropped: the receive queue was full (SO_RXQ_OVFL).', ['socket'], perSocket((s) => one(s.kernelDrops)));
    this.counter('ipfailoverd_socket_handler_errors_total', "Datagrams whose handling threw (ipfailoverd's own bugs, each contained).", ['socket'], perSocket((s) => one(s.handlerErrors)));
    this.gauge('ipfailoverd_socket_deaf', '1 while the receive socket cannot be opened (its instances are in FAULT), else 0.', ['socket'], perSocket((s) => one(s.deaf ? 1 : 0)));

    if (options.defaultMetrics) {
      collectDefaultMetrics({ register: this.registry });
      // Gauges named like counters, which promtool's lint refuses; nodejs_active_handles,
      // nodejs_active_requests and nodejs_active_resources carry the same counts, by type.
      for (const name of LINT_FAILING_DEFAULTS) this.registry.removeSingleMetric(name);
    }
  }

  /** The exposition of everything, from one view of the daemon taken now. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    this.view = this.source();
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  private gauge<K extends string>(name: string, help: string, labelNames: readonly K[], rows: () => Array<Sample<K>>): void {
    new Gauge<K>({
      ...this.registered(name, help, labelNames),
      collect() {
        this.reset();
        for (const row of rows()) this.set(row.labels, row.value);
      },
    });
  }

  private counter<K extends string>(name: string, help: string, labelNames: readonly K[], rows: () => Array<Sample<K>>): void {
    new Counter<K>({
      ...this.registered(name, help, labelNames),
      // The daemon's own counters are the truth: each scrape copies them in whole.
      collect() {
        this.reset();
        for (const row of rows()) this.inc(row.labels, row.value);
      },
    });
  }

  private registered<K extends string>(name: string, help: string, labelNames: readonly K[]) {
    return { name, help, labelNames, registers: [this.registry] };
  }
}
