import t from 'tap';
import { checkReceived, REJECT_REASONS, type ReceivedPacket, type ReceivingInstance, type RejectReason } from '../../src/protocol/receive-checks.js';
import { ip } from '../helpers/addresses.js';
import { message, V4_ADV, V4_WIRE, V6_ADV, V6_WIRE } from '../helpers/packets.js';

const backupV4: ReceivingInstance = {
  priority: 100,
  advertIntervalCs: 100,
  addresses: [ip('192.0.2.100')],
  localAddresses: [ip('192.0.2.2')],
};

const lookupV4 = (instance: ReceivingInstance) => (vrid: number) => (vrid === 51 ? instance : undefined);

function packet(overrides: Partial<ReceivedPacket> = {}): ReceivedPacket {
  return { ...V4_WIRE, ttl: 255, message: message(V4_ADV, V4_WIRE, 'rfc5798'), ...overrides };
}

t.test('a well-formed advertisement for a configured VRID is accepted with no notes', async (t) => {
  const result = checkReceived(packet(), lookupV4(backupV4));
  t.ok(result.ok);
  if (result.ok) {
    t.same(result.notes, []);
    t.equal(result.instance, backupV4);
    t.equal(result.adv.checksumVariant, 'rfc5798');
  }
});

t.test('an IPv6 advertisement with hop limit 255 is accepted', async (t) => {
  const instance = { ...backupV4, addresses: [ip('2001:db8::100')], localAddresses: [ip('fe80::2')] };
  const result = checkReceived({ ...V6_WIRE, ttl: 255, message: message(V6_ADV, V6_WIRE) }, (vrid) => (vrid === 52 ? instance : undefined));
  t.ok(result.ok);
});

/** One vector per reason that the checks themselves add (the codec's reasons are tested with it). */
const cases: Array<[RejectReason, string, ReceivedPacket, ReceivingInstance]> = [
  ['bad-ttl', 'IPv4 TTL 254 (crossed a router)', packet({ ttl: 254 }), backupV4],
  ['bad-ttl', 'IPv6 hop limit 64', { ...V6_WIRE, ttl: 64, message: message(V6_ADV, V6_WIRE) }, backupV4],
  ['unknown-vrid', 'VRID 52 is not configured', packet({ message: message({ ...V4_ADV, vrid: 52 }, V4_WIRE) }), backupV4],
  ['owner-received', 'this router has priority 255', packet(), { ...backupV4, priority: 255 }],
  ['own-advertisement', 'the source is our own address', packet({ src: ip('192.0.2.2'), message: message(V4_ADV, { ...V4_WIRE, src: ip('192.0.2.2') }) }), backupV4],
  ['unknown-peer', 'unicast from a source that is not a peer', packet(), { ...backupV4, members: { addresses: [ip('192.0.2.3')], listedIn: 'unicastPeers' } }],
  ['source-not-a-peer', 'multicast from a source not in the peers list', packet(), { ...backupV4, members: { addresses: [ip('192.0.2.3')], listedIn: 'peers' } }],
  ['source-not-a-peer', 'a valid priority-254 advertisement from a non-member', packet({ message: message({ ...V4_ADV, priority: 254 }, V4_WIRE) }), { ...backupV4, members: { addresses: [ip('192.0.2.3')], listedIn: 'peers' } }],
  ['source-not-a-peer', 'a priority-0 advertisement from a non-member', packet({ message: message({ ...V4_ADV, priority: 0 }, V4_WIRE) }), { ...backupV4, members: { addresses: [ip('192.0.2.3')], listedIn: 'peers' } }],
  ['address-mismatch', 'another address list, not from the owner', packet(), { ...backupV4, addresses: [ip('192.0.2.101')] }],
  ['address-mismatch', 'one address missing', packet(), { ...backupV4, addresses: [ip('192.0.2.100'), ip('192.0.2.101')] }],
  ['bad-checksum', 'the codec check runs inside', packet({ src: ip('192.0.2.9') }), backupV4],
];

for (const [reason, what, received, instance] of cases) {
  t.test(`drops ${reason}: ${what}`, async (t) => {
    const result = checkReceived(received, lookupV4(instance));
    t.equal(result.ok, false);
    if (!result.ok) t.equal(result.reason, reason);
  });
}

t.test('every reject reason is listed for the counters', async (t) => {
  t.equal(new Set(REJECT_REASONS).size, REJECT_REASONS.length);
  for (const [reason] of cases) t.ok(REJECT_REASONS.includes(reason), reason);
});

t.test('unicast from a configured peer is accepted', async (t) => {
  const result = checkReceived(packet(), lookupV4({ ...backupV4, members: { addresses: [ip('192.0.2.3'), ip('192.0.2.1')], listedIn: 'unicastPeers' } }));
  t.ok(result.ok);
});

t.test('multicast from a listed peer is accepted, IPv4 and IPv6 (link-local source, RFC 9568 §5.1.2.1)', async (t) => {
  t.ok(checkReceived(packet(), lookupV4({ ...backupV4, members: { addresses: [ip('192.0.2.3'), ip('192.0.2.1')], listedIn: 'peers' } })).ok);
  const v6 = (member: string): ReceivingInstance => ({ ...backupV4, addresses: [ip('2001:db8::100')], localAddresses: [ip('fe80::2')], members: { addresses: [ip(member)], listedIn: 'peers' } });
  const received = { ...V6_WIRE, ttl: 255, message: message(V6_ADV, V6_WIRE) };
  t.ok(checkReceived(received, (vrid) => (vrid === 52 ? v6('fe80::1') : undefined)).ok);
  // The same router's global address does not admit its link-local source.
  const global = checkReceived(received, (vrid) => (vrid === 52 ? v6('2001:db8::1') : undefined));
  t.ok(!global.ok && global.reason === 'source-not-a-peer');
});

t.test('our own looped-back advertisement is own-advertisement, not a stranger, with a peers list', async (t) => {
  const own = ip('192.0.2.2');
  const result = checkReceived(packet({ src: own, message: message(V4_ADV, { ...V4_WIRE, src: own }) }), lookupV4({ ...backupV4, members: { addresses: [ip('192.0.2.3')], listedIn: 'peers' } }));
  t.ok(!result.ok && result.reason === 'own-advertisement');
});

t.test('an interval mismatch is noted, never dropped (§7.1)', async (t) => {
  const result = checkReceived(packet({ message: message({ ...V4_ADV, maxAdvertIntervalCs: 10 }, V4_WIRE) }), lookupV4(backupV4));
  t.ok(result.ok);
  if (result.ok) t.same(result.notes.map((n) => n.reason), ['interval-mismatch']);
});

t.test('an address mismatch from the owner (priority 255) is noted and the packet kept', async (t) => {
  const fromOwner = message({ ...V4_ADV, priority: 255, addresses: [ip('192.0.2.101')] }, V4_WIRE);
  const result = checkReceived(packet({ message: fromOwner }), lookupV4(backupV4));
  t.ok(result.ok);
  if (result.ok) t.same(result.notes.map((n) => n.reason), ['address-mismatch']);
});

t.test('the address list may come in another order', async (t) => {
  const two = [ip('192.0.2.100'), ip('192.0.2.101')];
  const result = checkReceived(
    packet({ message: message({ ...V4_ADV, addresses: [two[1]!, two[0]!] }, V4_WIRE) }),
    lookupV4({ ...backupV4, addresses: two }),
  );
  t.ok(result.ok);
});

t.test('the TTL is checked before anything is decoded', async (t) => {
  const result = checkReceived(packet({ ttl: 1, message: new Uint8Array(3) }), lookupV4(backupV4));
  t.ok(!result.ok && result.reason === 'bad-ttl');
});
