// The flood benchmark's frames are what they claim to be: each kind meets the §7.1 check it is
// meant to fail (or, the low-priority advert, passes every one), and its Ethernet and IPv4
// headers are well formed, so that what the benchmark reports is the daemons' doing.
import t from 'tap';
import { checkReceived, type ReceivingInstance } from '../../src/protocol/receive-checks.js';
import { internetChecksum } from '../../src/protocol/checksum.js';
import { floodFrames, FLOOD_KINDS, type FloodFrame } from '../bench/flood-frames.js';
import { ipv4Address, ipv6Address } from '../bench/shipped-lab.js';
import { ip } from '../helpers/addresses.js';

const V4_VRIDS = [1, 2, 3];
const V6_VRIDS = [101, 102, 103];
const frames = floodFrames([
  { family: 4, vrids: V4_VRIDS, intervalCs: 10, addressOf: ipv4Address },
  { family: 6, vrids: V6_VRIDS, intervalCs: 10, addressOf: ipv6Address },
]);

/** What a member's receive hub gets from the frame: family, addresses, TTL, VRRP message. */
function received(frame: FloodFrame) {
  const bytes = frame.frame;
  if (frame.family === 4) {
    const header = bytes.subarray(14, 34);
    return { header, packet: { family: 4 as const, src: bytes.slice(26, 30), dst: bytes.slice(30, 34), ttl: bytes[22] as number, message: bytes.slice(34) } };
  }
  return { header: null, packet: { family: 6 as const, src: bytes.slice(22, 38), dst: bytes.slice(38, 54), ttl: bytes[21] as number, message: bytes.slice(54) } };
}

function member(family: 4 | 6, vrids: readonly number[]) {
  return (vrid: number): ReceivingInstance | undefined =>
    vrids.includes(vrid)
      ? { priority: 100, advertIntervalCs: 10, addresses: [ip(family === 4 ? ipv4Address(vrid) : ipv6Address(vrid))], localAddresses: [ip(family === 4 ? '192.0.2.2' : 'fe80::2')] }
      : undefined;
}

const EXPECTED = { 'unknown-vrid': 'unknown-vrid', 'bad-checksum': 'bad-checksum', 'bad-ttl': 'bad-ttl' } as const;

t.test('every kind, both families, each configured VRID', async (t) => {
  for (const kind of FLOOD_KINDS) {
    t.equal(frames.filter((f) => f.kind === kind && f.family === 4).length, kind === 'unknown-vrid' ? 1 : V4_VRIDS.length, `${kind} IPv4 frames`);
    t.equal(frames.filter((f) => f.kind === kind && f.family === 6).length, kind === 'unknown-vrid' ? 1 : V6_VRIDS.length, `${kind} IPv6 frames`);
  }
});

t.test('each frame meets the receive check it is built for', async (t) => {
  for (const frame of frames) {
    const { packet } = received(frame);
    const result = checkReceived(packet, member(frame.family, frame.family === 4 ? V4_VRIDS : V6_VRIDS));
    if (frame.kind === 'low-priority') {
      t.ok(result.ok, `IPv${frame.family} low-priority advert passes every check`);
      if (result.ok) t.equal(result.adv.priority, 1, 'and loses to any member');
    } else {
      t.equal(result.ok ? 'accepted' : result.reason, EXPECTED[frame.kind], `IPv${frame.family} ${frame.kind}`);
    }
  }
});

t.test('frames go to the VRRP groups with a valid IPv4 header, from no member', async (t) => {
  for (const frame of frames) {
    const { header, packet } = received(frame);
    t.same([...frame.frame.subarray(0, 6)], frame.family === 4 ? [0x01, 0x00, 0x5e, 0, 0, 0x12] : [0x33, 0x33, 0, 0, 0, 0x12]);
    t.same(packet.dst, ip(frame.family === 4 ? '224.0.0.18' : 'ff02::12'));
    t.same(packet.src, ip(frame.family === 4 ? '198.51.100.66' : 'fe80::66'));
    // A header whose checksum is right sums to zero (RFC 1071).
    if (header !== null) t.equal(internetChecksum([header]), 0, 'IPv4 header checksum');
  }
});
