import t from 'tap';
import { decode, encode, encodingLength, type DecodeRejectReason } from '../../src/protocol/advertisement.js';
import { formatAddress } from '../../src/protocol/ip-address.js';
import { ip } from '../helpers/addresses.js';
import { fromHex, hex, loadCaptures } from '../helpers/fixtures.js';
import { message, patched, V4_ADV, V4_WIRE, V6_ADV, V6_WIRE } from '../helpers/packets.js';

const captures = loadCaptures('keepalived-');

t.test('captures from keepalived 2.2.7 are present for both families', async (t) => {
  t.ok(captures.some((c) => c.family === 4), 'an IPv4 capture');
  t.ok(captures.some((c) => c.family === 6), 'an IPv6 capture');
  t.ok(captures.some((c) => c.expected.priority === 0), 'a priority-0 release');
});

for (const capture of captures) {
  t.test(`decodes ${capture.file}: ${capture.description}`, async (t) => {
    const wire = { family: capture.family, src: ip(capture.src), dst: ip(capture.dst) };
    const bytes = fromHex(capture.vrrpHex);
    // The VRRP message is the tail of the captured IP packet.
    t.ok(capture.ipPacketHex.endsWith(capture.vrrpHex), 'the VRRP bytes come from the IP packet');
    const result = decode(bytes, wire);
    t.ok(result.ok, 'accepted');
    if (!result.ok) return;
    const { value } = result;
    t.equal(value.vrid, capture.expected.vrid);
    t.equal(value.priority, capture.expected.priority);
    t.equal(value.addresses.length, capture.expected.count);
    t.equal(value.maxAdvertIntervalCs, capture.expected.maxAdvertIntervalCs);
    t.equal(value.checksum, Number(capture.expected.checksum));
    t.equal(value.checksumVariant, capture.expected.checksumVariant);
    t.same(value.addresses.map(formatAddress), capture.expected.addresses);
    // Encoding the decoded value with the variant the peer used gives back its exact bytes.
    t.equal(hex(encode(value, { ...wire, variant: value.checksumVariant })), capture.vrrpHex, 'byte-exact re-encoding');
  });
}

t.test('golden vector: IPv4, RFC 9568 checksum over the message only', async (t) => {
  const bytes = message(V4_ADV, V4_WIRE, 'rfc9568');
  // 3=version 1=type, VRID 0x33, prio 0x64, count 1, interval 0x064, checksum, 192.0.2.100.
  // 0x3133+0x6401+0x0064+0xc000+0x0264 folds to 0x57fd; its complement is 0xa802.
  t.equal(hex(bytes), '313364010064a802c0000264');
  const back = decode(bytes, V4_WIRE);
  t.ok(back.ok && back.value.checksumVariant === 'rfc9568');
});

t.test('golden vector: IPv4, RFC 5798 checksum equals what keepalived sent', async (t) => {
  const bytes = message(V4_ADV, V4_WIRE, 'rfc5798');
  t.equal(hex(bytes), '3133640100640572c0000264');
});

t.test('round trip for both families, several address counts and the interval limits', async (t) => {
  for (const [base, wire] of [
    [V4_ADV, V4_WIRE],
    [V6_ADV, V6_WIRE],
  ] as const) {
    for (const count of [1, 2, 17]) {
      for (const interval of [1, 100, 0x0fff]) {
        const adv = {
          ...base,
          maxAdvertIntervalCs: interval,
          addresses: Array.from({ length: count }, (_, i) => {
            const a = base.addresses[0]!.slice();
            a[a.length - 1] = i + 1;
            return a;
          }),
        };
        for (const variant of ['rfc9568', 'rfc5798'] as const) {
          const bytes = encode(adv, { ...wire, variant });
          t.equal(bytes.length, encodingLength(wire.family, count));
          const back = decode(bytes, wire);
          if (!back.ok) {
            t.fail(`rejected ${back.reason}`);
            continue;
          }
          t.same(
            { ...back.value, addresses: back.value.addresses.map(hex) },
            {
              ...adv,
              addresses: adv.addresses.map(hex),
              family: wire.family,
              checksum: back.value.checksum,
              checksumVariant: wire.family === 6 ? 'rfc9568' : variant,
            },
          );
        }
      }
    }
  }
});

t.test('reserved bits are sent as zero and ignored on receive (§5.2.6)', async (t) => {
  const bytes = patched(message(V4_ADV, V4_WIRE), V4_WIRE, (b) => {
    b[4] = (b[4] as number) | 0xf0;
    return b;
  });
  const result = decode(bytes, V4_WIRE);
  t.ok(result.ok && result.value.maxAdvertIntervalCs === 100);
  t.equal((message(V4_ADV, V4_WIRE)[4] as number) & 0xf0, 0);
});

t.test('encode refuses values outside their fields: those are our own bugs', async (t) => {
  const ctx = { ...V4_WIRE, variant: 'rfc9568' as const };
  t.throws(() => encode({ ...V4_ADV, vrid: 0 }, ctx), RangeError);
  t.throws(() => encode({ ...V4_ADV, vrid: 256 }, ctx), RangeError);
  t.throws(() => encode({ ...V4_ADV, priority: 256 }, ctx), RangeError);
  t.throws(() => encode({ ...V4_ADV, maxAdvertIntervalCs: 0 }, ctx), RangeError);
  t.throws(() => encode({ ...V4_ADV, maxAdvertIntervalCs: 4096 }, ctx), RangeError);
  t.throws(() => encode({ ...V4_ADV, addresses: [] }, ctx), RangeError);
  t.throws(() => encode({ ...V4_ADV, addresses: [ip('2001:db8::1')] }, ctx), RangeError);
});

/** One malformed vector per decode reason. */
const rejects: Array<[DecodeRejectReason, string, () => Uint8Array, typeof V4_WIRE]> = [
  ['truncated', 'shorter than the header', () => message(V4_ADV, V4_WIRE).subarray(0, 7), V4_WIRE],
  ['truncated', 'empty', () => new Uint8Array(0), V4_WIRE],
  ['bad-version', 'a VRRPv2 packet', () => patched(message(V4_ADV, V4_WIRE), V4_WIRE, (b) => ((b[0] = 0x21), b)), V4_WIRE],
  ['bad-type', 'type 2', () => patched(message(V4_ADV, V4_WIRE), V4_WIRE, (b) => ((b[0] = 0x32), b)), V4_WIRE],
  ['bad-vrid', 'VRID 0', () => patched(message(V4_ADV, V4_WIRE), V4_WIRE, (b) => ((b[1] = 0), b)), V4_WIRE],
  ['no-addresses', 'count 0', () => patched(message(V4_ADV, V4_WIRE), V4_WIRE, (b) => ((b[3] = 0), b.subarray(0, 8))), V4_WIRE],
  ['length-mismatch', 'count says 2, one address present', () => patched(message(V4_ADV, V4_WIRE), V4_WIRE, (b) => ((b[3] = 2), b)), V4_WIRE],
  [
    'length-mismatch',
    'trailing bytes',
    () => patched(message(V4_ADV, V4_WIRE), V4_WIRE, (b) => Uint8Array.from([...b, 0, 0, 0, 0])),
    V4_WIRE,
  ],
  ['length-mismatch', 'an IPv4-sized message read as IPv6', () => message(V4_ADV, V4_WIRE), V6_WIRE],
  ['bad-checksum', 'one flipped bit', () => patched(message(V4_ADV, V4_WIRE), V4_WIRE, (b) => ((b[9] = (b[9] as number) ^ 1), b), false), V4_WIRE],
  [
    'bad-checksum',
    'IPv6 checksum computed for another source',
    () => message(V6_ADV, { ...V6_WIRE, src: ip('fe80::2') }),
    V6_WIRE,
  ],
  ['zero-interval', 'interval 0', () => patched(message(V4_ADV, V4_WIRE), V4_WIRE, (b) => ((b[4] = 0), (b[5] = 0), b)), V4_WIRE],
];

for (const [reason, what, build, wire] of rejects) {
  t.test(`rejects ${reason}: ${what}`, async (t) => {
    const result = decode(build(), wire);
    t.equal(result.ok, false);
    if (!result.ok) {
      t.equal(result.reason, reason);
      t.type(result.detail, 'string');
    }
  });
}
