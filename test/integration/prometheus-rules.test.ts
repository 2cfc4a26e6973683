/**
 * packaging/'s alert rules and Grafana dashboard: the rules pass promtool's check and their own
 * promtool unit tests (two masters, no master, role mismatch, event-loop lag), every query of the
 * dashboard is PromQL promtool parses, and both name only metrics the daemon exports.
 */

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { MetricsCollector } from '../../src/runtime/metrics-collector.js';
import { promtool, requirePromtool } from './helpers/promtool.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const RULES = join(REPO, 'packaging/prometheus/ipfailoverd-alerts.yml');
const RULE_TESTS = join(REPO, 'packaging/prometheus/ipfailoverd-alerts.test.yml');
const DASHBOARD = join(REPO, 'packaging/grafana/ipfailoverd-dashboard.json');

interface Panel {
  readonly title: string;
  readonly targets?: ReadonlyArray<{ readonly expr: string }>;
}

function dashboardQueries(): Array<{ panel: string; expr: string }> {
  const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: Panel[]; templating: { list: Array<{ definition?: string }> } };
  return dashboard.panels.flatMap((p) => (p.targets ?? []).map((target) => ({ panel: p.title, expr: target.expr })));
}

/** The metric names the daemon serves: its own, and prom-client's defaults. */
async function exported(): Promise<Set<string>> {
  const collector = new MetricsCollector(() => ({ instances: [], sockets: [] }), { defaultMetrics: true });
  return new Set(collector.registry.getMetricsAsArray().map((m) => m.name));
}

function metricNames(expr: string): string[] {
  return [...expr.matchAll(/\b((?:ipfailoverd|nodejs|process)_[a-z0-9_]+)/g)].map((m) => m[1] as string);
}

t.test('the alert rules pass promtool check rules and their promtool unit tests', async (t) => {
  await requirePromtool();
  const check = await promtool(['check', 'rules', RULES]);
  t.equal(check.code, 0, check.output);
  t.match(check.output, /SUCCESS: 5 rules found/);
  const tests = await promtool(['test', 'rules', RULE_TESTS]);
  t.equal(tests.code, 0, tests.output);
});

t.test('every dashboard query is PromQL that promtool parses', async (t) => {
  await requirePromtool();
  const queries = dashboardQueries();
  t.ok(queries.length >= 8, `${queries.length} queries`);
  // Grafana's variables as a Prometheus server would see them after Grafana's substitution.
  const rules = queries.map(({ expr }, i) => `      - record: dashboard:query_${i}\n        expr: ${JSON.stringify(expr.replaceAll('$job', '.+').replaceAll('$__rate_interval', '1m'))}`);
  const dir = mkdtempSync(join(tmpdir(), 'ipfo-dash-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'dashboard-queries.yml');
  writeFileSync(file, `groups:\n  - name: dashboard\n    rules:\n${rules.join('\n')}\n`);
  const check = await promtool(['check', 'rules', file]);
  t.equal(check.code, 0, check.output);
});

t.test('the rules and the dashboard name only metrics the daemon exports', async (t) => {
  const names = await exported();
  const used = [...dashboardQueries().flatMap(({ expr }) => metricNames(expr)), ...metricNames(readFileSync(RULES, 'utf8').replace(/^\s*#.*$/gm, ''))];
  const unknown = [...new Set(used)].filter((name) => !names.has(name));
  t.same(unknown, [], 'no query reads a metric that does not exist');
  for (const name of ['ipfailoverd_instance_state', 'ipfailoverd_instance_role_matches', 'ipfailoverd_adverts_sent_total', 'ipfailoverd_adverts_rejected_total', 'nodejs_eventloop_lag_p99_seconds']) {
    t.ok(used.includes(name), `${name} is shown or alerted on`);
  }
});
