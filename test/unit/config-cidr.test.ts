import t from 'tap';
import { unicastEndpointProblem, virtualAddressProblem } from '../../src/config/address-class.js';
import { addressToBigInt, parseAddress, parseCidr, type IpPrefix } from '../../src/config/cidr.js';

function prefix(text: string): IpPrefix {
  const result = parseCidr(text);
  if (!result.ok) throw new Error(`test bug: ${text}: ${result.reason}`);
  return result.value;
}

t.test('a plain address is a host prefix', async (t) => {
  t.same(parseCidr('203.0.113.10'), {
    ok: true,
    value: { given: '203.0.113.10', family: 4, address: '203.0.113.10', prefixLength: 32 },
  });
  t.same(parseCidr('2001:db8::10'), {
    ok: true,
    value: { given: '2001:db8::10', family: 6, address: '2001:db8::10', prefixLength: 128 },
  });
});

t.test('CIDR keeps the prefix length and the text as given', async (t) => {
  const p = prefix('198.51.100.7/24');
  t.equal(p.prefixLength, 24);
  t.equal(p.address, '198.51.100.7');
  t.equal(p.given, '198.51.100.7/24');
});

t.test('IPv6 is normalized to RFC 5952 form', async (t) => {
  const cases: Array<[string, string]> = [
    ['2001:DB8:0:0::10/128', '2001:db8::10'],
    ['2001:0db8:0000:0001:0000:0000:0000:0010', '2001:db8:0:1::10'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:db8:1:2:3:4:5::', '2001:db8:1:2:3:4:5:0'],
    ['FE80::1/64', 'fe80::1'],
  ];
  for (const [given, normalized] of cases) t.equal(prefix(given).address, normalized, given);
});

t.test('malformed addresses and prefixes are refused with a reason', async (t) => {
  const cases: Array<[string, string]> = [
    ['203.0.113.10/33', 'prefix length must be 1..32'],
    ['2001:db8::1/129', 'prefix length must be 1..128'],
    ['203.0.113.10/0', 'prefix length must be 1..32'],
    ['203.0.113.10/', 'is not a decimal number'],
    ['203.0.113.10/024', 'is not a decimal number'],
    ['203.0.113.10/+24', 'is not a decimal number'],
    ['203.0.113.10/24/1', 'is not a decimal number'],
    ['203.0.113.010', 'is not an IPv4 or IPv6 address'],
    ['203.0.113', 'is not an IPv4 or IPv6 address'],
    [' 203.0.113.10', 'is not an IPv4 or IPv6 address'],
    ['web.example', 'is not an IPv4 or IPv6 address'],
    ['', 'is not an IPv4 or IPv6 address'],
    ['2001:db8::1::2', 'is not an IPv4 or IPv6 address'],
    ['fe80::1%eth0', 'zone index'],
  ];
  for (const [text, reason] of cases) {
    const result = parseCidr(text);
    t.equal(result.ok, false, text);
    if (!result.ok) t.match(result.reason, reason, text);
  }
});

t.test('a plain address refuses a prefix length', async (t) => {
  const result = parseAddress('192.0.2.1/32');
  t.equal(result.ok, false);
  if (!result.ok) t.match(result.reason, 'without a /prefix length');
  t.same(parseAddress('2001:DB8::2'), { ok: true, value: { given: '2001:DB8::2', family: 6, address: '2001:db8::2' } });
});

t.test('addresses convert to integers for prefix arithmetic', async (t) => {
  t.equal(addressToBigInt(prefix('192.0.2.1')), 0xc0000201n);
  t.equal(addressToBigInt(prefix('2001:db8::1')), 0x20010db8000000000000000000000001n);
  t.equal(addressToBigInt(prefix('::ffff:192.0.2.1')), 0xffffc0000201n);
});

t.test('virtual addresses must be ordinary unicast host addresses', async (t) => {
  const refused: Array<[string, string]> = [
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['127.0.0.1', 'loopback'],
    ['169.254.10.1', 'link-local'],
    ['224.0.0.18', 'multicast'],
    ['239.1.2.3', 'multicast'],
    ['255.255.255.255', 'limited broadcast'],
    ['203.0.113.0/24', 'network address'],
    ['203.0.113.255/24', 'broadcast address'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['ff02::12', 'multicast'],
    ['::ffff:192.0.2.1', 'IPv4-mapped'],
    ['2001:db8::/64', 'subnet-router anycast'],
  ];
  for (const [text, reason] of refused) t.match(virtualAddressProblem(prefix(text)), reason, text);

  const accepted = ['203.0.113.10', '203.0.113.10/24', '203.0.113.0/31', '203.0.113.1/31', '203.0.113.0/32',
    '198.51.100.255/32', 'fe80::1', 'fe80::1/64', '2001:db8::/127', '2001:db8::10/64'];
  for (const text of accepted) t.equal(virtualAddressProblem(prefix(text)), undefined, text);
});

t.test('peers and source addresses must be unicast', async (t) => {
  for (const text of ['0.0.0.0', '127.0.0.1', '224.0.0.18', '255.255.255.255', '::', '::1', 'ff02::12', '::ffff:192.0.2.1']) {
    t.match(unicastEndpointProblem(prefix(text)), 'cannot send or receive advertisements', text);
  }
  for (const text of ['192.0.2.1', '2001:db8::2', 'fe80::2']) t.equal(unicastEndpointProblem(prefix(text)), undefined, text);
});
