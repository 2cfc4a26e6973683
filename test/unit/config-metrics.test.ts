/** metrics.listen: ADDRESS:PORT (IPv6 in brackets), off when absent, a warning off loopback. */

import t from 'tap';
import { acceptedConfig, configWith, errorsOf, hasIssue, instance } from '../helpers/config-documents.js';

// The instance lists its peers so that the only warning a test can see is the metrics one.
const withMetrics = (metrics: unknown) => ({ ...configWith(instance({ peers: ['192.0.2.2'] })), metrics });

t.test('absent: no endpoint', async (t) => {
  t.equal(acceptedConfig(configWith(instance())).config.metrics, undefined);
});

t.test('IPv4 and bracketed IPv6 forms, normalized', async (t) => {
  const v4 = acceptedConfig(withMetrics({ listen: '127.0.0.1:9650' }));
  t.same(v4.config.metrics?.listen, { given: '127.0.0.1:9650', family: 4, address: '127.0.0.1', port: 9650 });
  t.same(v4.warnings, [], 'loopback: no warning');
  const v6 = acceptedConfig(withMetrics({ listen: '[0:0::1]:9650' }));
  t.same(v6.config.metrics?.listen, { given: '[0:0::1]:9650', family: 6, address: '::1', port: 9650 });
  t.same(v6.warnings, []);
});

t.test('malformed listen values are schema errors at /metrics/listen, each with its reason', async (t) => {
  const cases: Array<[string, string]> = [
    ['localhost:9650', 'is not an IPv4 or IPv6 address'],
    ['::1:9650', 'ADDRESS:PORT'],
    ['[192.0.2.1]:9650', 'only an IPv6 address goes in brackets'],
    ['127.0.0.1', 'ADDRESS:PORT'],
    ['127.0.0.1:0', 'port "0" must be a decimal number 1..65535'],
    ['127.0.0.1:65536', '1..65535'],
    ['127.0.0.1:09650', '1..65535'],
    ['127.0.0.1:', '1..65535'],
    ['[fe80::1%eth0]:9650', 'zone index'],
  ];
  for (const [listen, reason] of cases) hasIssue(t, errorsOf(t, withMetrics({ listen })), '/metrics/listen', 'schema.ipAddress', reason);
});

t.test('metrics needs listen, and nothing else', async (t) => {
  hasIssue(t, errorsOf(t, withMetrics({})), '/metrics/listen', 'schema.required', 'missing');
  hasIssue(t, errorsOf(t, withMetrics({ listen: '127.0.0.1:9650', lisen: 1 })), '/metrics/lisen', 'schema.additionalProperties', 'unknown property');
});

t.test('a non-loopback address is allowed, with a warning that says who can read it', async (t) => {
  for (const listen of ['0.0.0.0:9650', '192.0.2.1:9650', '[::]:9650', '[2001:db8::1]:9650']) {
    const { warnings } = acceptedConfig(withMetrics({ listen }));
    hasIssue(t, warnings, '/metrics/listen', 'metrics-not-loopback', "anyone who can reach it reads the group's state");
  }
  t.same(acceptedConfig(withMetrics({ listen: '127.0.0.53:9650' })).warnings, [], 'all of 127.0.0.0/8 is loopback');
});
