import t from 'tap';
import {
  compareAddresses,
  formatIPv4,
  formatIPv6,
  parseAddress,
  parseIPv4,
  parseIPv6,
} from '../../src/protocol/ip-address.js';

t.test('IPv4 parses dotted quads and refuses everything else', async (t) => {
  t.same(Array.from(parseIPv4('192.0.2.1') ?? []), [192, 0, 2, 1]);
  t.same(Array.from(parseIPv4('0.0.0.0') ?? []), [0, 0, 0, 0]);
  for (const bad of ['192.0.2', '192.0.2.256', '192.0.2.01', '192.0.2.-1', '192.0.2.1.', 'a.b.c.d', '', '1.2.3.4/24']) {
    t.equal(parseIPv4(bad), null, bad);
  }
});

t.test('IPv6 parses the RFC 4291 forms and prints RFC 5952 canonical text', async (t) => {
  const cases: Array<[string, string]> = [
    ['2001:db8::1', '2001:db8::1'],
    ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
    ['::', '::'],
    ['::1', '::1'],
    ['fe80::', 'fe80::'],
    ['ff02::12', 'ff02::12'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['::ffff:192.0.2.1', '::ffff:c000:201'],
    ['1:2:3:4:5:6:7::', '1:2:3:4:5:6:7:0'],
  ];
  for (const [input, canonical] of cases) {
    const bytes = parseIPv6(input);
    t.ok(bytes, input);
    if (bytes) t.equal(formatIPv6(bytes), canonical, input);
  }
  for (const bad of ['2001:db8::1::', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7', 'g::1', ':1::', '12345::', '::1.2.3', '1::2::3']) {
    t.equal(parseIPv6(bad), null, bad);
  }
});

t.test('addresses compare as unsigned big-endian integers', async (t) => {
  const a = parseAddress('192.0.2.10') as Uint8Array;
  const b = parseAddress('192.0.2.9') as Uint8Array;
  t.ok(compareAddresses(a, b) > 0);
  t.ok(compareAddresses(b, a) < 0);
  t.equal(compareAddresses(a, a), 0);
  t.ok(compareAddresses(parseAddress('fe80::2') as Uint8Array, parseAddress('fe80::1') as Uint8Array) > 0);
  t.equal(formatIPv4(a), '192.0.2.10');
});
