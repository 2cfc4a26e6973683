/**
 * Fuzz: random and mutated packets through the decoder and the receive checks. Asserts that
 * nothing throws, that every rejection carries a known reason, and that whatever is accepted
 * re-encodes to the very bytes received.
 */

import t from 'tap';
import { decode, encode } from '../../src/protocol/advertisement.js';
import { checkReceived, REJECT_REASONS, type ReceivingInstance } from '../../src/protocol/receive-checks.js';
import { ip } from '../helpers/addresses.js';
import { fromHex, hex, loadCaptures } from '../helpers/fixtures.js';
import { message, patched, V4_ADV, V4_WIRE, V6_ADV, V6_WIRE, type Wire } from '../helpers/packets.js';
import { randomBytes, seededRandom } from '../helpers/random.js';

const SEED = Number(process.env.FUZZ_SEED ?? 0x5eed9568);
const RANDOM_PACKETS = 50_000;
const MUTATED_PACKETS = 60_000;
/** Random header fields with the checksum repaired: these reach the accepted path. */
const FIELD_PACKETS = 20_000;

const seeds: Array<{ bytes: Uint8Array; wire: Wire }> = [
  { bytes: message(V4_ADV, V4_WIRE, 'rfc9568'), wire: V4_WIRE },
  { bytes: message(V4_ADV, V4_WIRE, 'rfc5798'), wire: V4_WIRE },
  { bytes: message(V6_ADV, V6_WIRE), wire: V6_WIRE },
  ...loadCaptures('keepalived-').map((c) => ({
    bytes: fromHex(c.vrrpHex),
    wire: { family: c.family, src: ip(c.src), dst: ip(c.dst) },
  })),
];

const instance: ReceivingInstance = {
  priority: 100,
  advertIntervalCs: 100,
  addresses: [ip('192.0.2.100')],
  localAddresses: [ip('192.0.2.2')],
};

function mutate(random: () => number, original: Uint8Array): Uint8Array {
  let bytes = original.slice();
  const edits = 1 + Math.floor(random() * 4);
  for (let e = 0; e < edits; e++) {
    const kind = Math.floor(random() * 4);
    const at = Math.floor(random() * Math.max(1, bytes.length));
    if (kind === 0 && bytes.length > 0) bytes[at] = (bytes[at] as number) ^ (1 << Math.floor(random() * 8));
    else if (kind === 1 && bytes.length > 0) bytes[at] = Math.floor(random() * 256);
    else if (kind === 2) bytes = bytes.slice(0, at);
    else bytes = Uint8Array.from([...bytes, ...randomBytes(random, 1 + Math.floor(random() * 20))]);
  }
  return bytes;
}

function fields(adv: { vrid: number; priority: number; maxAdvertIntervalCs: number; addresses: readonly Uint8Array[] }): string {
  return JSON.stringify([adv.vrid, adv.priority, adv.maxAdvertIntervalCs, adv.addresses.map(hex)]);
}

interface Tally {
  accepted: number;
  rejected: Map<string, number>;
  problems: string[];
}

function exercise(bytes: Uint8Array, wire: Wire, tally: Tally): void {
  try {
    const decoded = decode(bytes, wire);
    if (decoded.ok) {
      tally.accepted++;
      const again = encode(decoded.value, { ...wire, variant: decoded.value.checksumVariant });
      // Reserved bits are ignored on receive and sent as zero (§5.2.6): with them clear the bytes
      // must come back exactly; with them set, every field must.
      const reservedClear = ((bytes[4] as number) & 0xf0) === 0;
      const redecoded = decode(again, wire);
      const same = reservedClear
        ? hex(again) === hex(bytes)
        : redecoded.ok && fields(redecoded.value) === fields(decoded.value);
      if (!same && tally.problems.length < 5) tally.problems.push(`re-encoding differs for ${hex(bytes)}`);
    } else {
      tally.rejected.set(decoded.reason, (tally.rejected.get(decoded.reason) ?? 0) + 1);
    }
    const checked = checkReceived({ ...wire, ttl: 255, message: bytes }, () => instance);
    if (!checked.ok && !REJECT_REASONS.includes(checked.reason) && tally.problems.length < 5) {
      tally.problems.push(`unknown reason ${checked.reason}`);
    }
  } catch (error) {
    if (tally.problems.length < 5) tally.problems.push(`threw on ${hex(bytes)}: ${String(error)}`);
  }
}

t.test(`fuzz: ${RANDOM_PACKETS} random, ${MUTATED_PACKETS} mutated, ${FIELD_PACKETS} field-mutated packets (seed ${SEED})`, async (t) => {
  const random = seededRandom(SEED);
  const tally: Tally = { accepted: 0, rejected: new Map(), problems: [] };
  for (let i = 0; i < RANDOM_PACKETS; i++) {
    const wire = random() < 0.5 ? V4_WIRE : V6_WIRE;
    const bytes = randomBytes(random, Math.floor(random() * 80));
    // A third of the random packets get a valid-looking first byte, so they reach deeper checks.
    if (bytes.length > 0 && random() < 0.33) bytes[0] = 0x31;
    exercise(bytes, wire, tally);
  }
  for (let i = 0; i < MUTATED_PACKETS; i++) {
    const seed = seeds[Math.floor(random() * seeds.length)]!;
    exercise(mutate(random, seed.bytes), seed.wire, tally);
  }
  for (let i = 0; i < FIELD_PACKETS; i++) {
    const seed = seeds[Math.floor(random() * seeds.length)]!;
    const bytes = patched(seed.bytes, seed.wire, (b) => {
      for (const field of [1, 2, 4, 5]) if (random() < 0.5) b[field] = Math.floor(random() * 256);
      return b;
    });
    exercise(bytes, seed.wire, tally);
  }
  t.same(tally.problems, [], 'never threw, re-encoded every accepted packet exactly');
  const total = tally.accepted + [...tally.rejected.values()].reduce((a, b) => a + b, 0);
  t.equal(total, RANDOM_PACKETS + MUTATED_PACKETS + FIELD_PACKETS, 'every packet was either accepted or rejected');
  // Mutations that keep a packet valid (e.g. a flip in a trailing byte undone) must be rare
  // but the accepted path must be reached, or the re-encoding assertion would test nothing.
  t.ok(tally.accepted > FIELD_PACKETS / 2, `accepted ${tally.accepted}`);
  for (const reason of ['truncated', 'bad-version', 'bad-type', 'length-mismatch', 'bad-checksum', 'zero-interval', 'bad-vrid']) {
    t.ok((tally.rejected.get(reason) ?? 0) > 0, `reached ${reason}`);
  }
  t.comment(`accepted ${tally.accepted}; rejected ${JSON.stringify(Object.fromEntries(tally.rejected))}`);
});
