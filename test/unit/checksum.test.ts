import t from 'tap';
import { internetChecksum, ipv6PseudoHeader, matchingChecksumVariant, vrrpChecksum } from '../../src/protocol/checksum.js';
import { fromHex } from '../helpers/fixtures.js';
import { ip } from '../helpers/addresses.js';

t.test('RFC 1071 §3 numerical example', async (t) => {
  // Bytes 00 01 f2 03 f4 f5 f6 f7 sum to 0xddf2 in one's complement; the checksum is its complement.
  t.equal(internetChecksum([fromHex('0001f203f4f5f6f7')]), 0x220d);
});

t.test('the sum is the same however the bytes are split, odd lengths included', async (t) => {
  const data = fromHex('450000a0c0000201e00000120102030405');
  const whole = internetChecksum([data]);
  t.equal(internetChecksum([data.subarray(0, 3), data.subarray(3, 10), data.subarray(10)]), whole);
  t.equal(internetChecksum([data.subarray(0, 1), data.subarray(1)]), whole);
});

t.test('a message with its checksum in place sums to zero', async (t) => {
  const message = fromHex('3133640100640000c0000264');
  const ctx = { family: 4 as const, src: ip('192.0.2.1'), dst: ip('224.0.0.18') };
  for (const variant of ['rfc9568', 'rfc5798'] as const) {
    const sum = vrrpChecksum(message, { ...ctx, variant });
    const filled = message.slice();
    filled[6] = sum >> 8;
    filled[7] = sum & 0xff;
    // The checksum field is ignored by vrrpChecksum, so recomputing gives the same value...
    t.equal(vrrpChecksum(filled, { ...ctx, variant }), sum, variant);
    // ...and the RFC 9568 IPv4 form verifies by summing the whole message to zero.
    if (variant === 'rfc9568') t.equal(internetChecksum([filled]), 0);
  }
});

t.test('the IPv4 variants differ, and only RFC 5798 depends on the addresses', async (t) => {
  const message = fromHex('3133640100640000c0000264');
  const a = { family: 4 as const, src: ip('192.0.2.1'), dst: ip('224.0.0.18') };
  const b = { family: 4 as const, src: ip('192.0.2.2'), dst: ip('224.0.0.18') };
  t.not(vrrpChecksum(message, { ...a, variant: 'rfc9568' }), vrrpChecksum(message, { ...a, variant: 'rfc5798' }));
  t.equal(vrrpChecksum(message, { ...a, variant: 'rfc9568' }), vrrpChecksum(message, { ...b, variant: 'rfc9568' }));
  t.not(vrrpChecksum(message, { ...a, variant: 'rfc5798' }), vrrpChecksum(message, { ...b, variant: 'rfc5798' }));
});

t.test('IPv6 always uses the pseudo-header, whatever the variant', async (t) => {
  const message = fromHex('3134960100640000' + '20010db8000000000000000000000100');
  const ctx = { family: 6 as const, src: ip('fe80::1'), dst: ip('ff02::12') };
  const sum = vrrpChecksum(message, { ...ctx, variant: 'rfc9568' });
  t.equal(vrrpChecksum(message, { ...ctx, variant: 'rfc5798' }), sum);
  t.not(vrrpChecksum(message, { ...ctx, src: ip('fe80::2'), variant: 'rfc9568' }), sum);
});

/** The checksum the long way: pseudo-header bytes, the message with its field zeroed, one sum. */
function reference(message: Uint8Array, family: 4 | 6, src: Uint8Array, dst: Uint8Array, pseudo: boolean): number {
  const zeroed = message.slice();
  zeroed[6] = 0;
  zeroed[7] = 0;
  if (!pseudo) return internetChecksum([zeroed]);
  if (family === 6) return internetChecksum([ipv6PseudoHeader(src, dst, message.length), zeroed]);
  const header = new Uint8Array(12);
  header.set(src, 0);
  header.set(dst, 4);
  header[9] = 112;
  header[10] = message.length >> 8;
  header[11] = message.length & 0xff;
  return internetChecksum([header, zeroed]);
}

t.test('the checksum summed in place equals the one over the built pseudo-header and message (even and odd lengths)', async (t) => {
  const v4 = { src: ip('198.51.100.7'), dst: ip('224.0.0.18') };
  const v6 = { src: ip('fe80::1:2'), dst: ip('ff02::12') };
  for (const hex of ['3133640100640000c0000264', '31ff0103ffff1234cb007103cb007104cb007105', '3133640100640000c00002']) {
    const message = fromHex(hex);
    t.equal(vrrpChecksum(message, { family: 4, ...v4, variant: 'rfc9568' }), reference(message, 4, v4.src, v4.dst, false), `${hex} rfc9568`);
    t.equal(vrrpChecksum(message, { family: 4, ...v4, variant: 'rfc5798' }), reference(message, 4, v4.src, v4.dst, true), `${hex} rfc5798`);
    t.equal(vrrpChecksum(message, { family: 6, ...v6, variant: 'rfc9568' }), reference(message, 6, v6.src, v6.dst, true), `${hex} IPv6`);
  }
});

t.test('the received form is named: either IPv4 form, the one IPv6 form, or none', async (t) => {
  const message = fromHex('3133640100640000c0000264');
  const v4 = { family: 4 as const, src: ip('192.0.2.1'), dst: ip('224.0.0.18') };
  const v6 = { family: 6 as const, src: ip('fe80::1'), dst: ip('ff02::12') };
  t.equal(matchingChecksumVariant(message, v4, vrrpChecksum(message, { ...v4, variant: 'rfc9568' })), 'rfc9568');
  t.equal(matchingChecksumVariant(message, v4, vrrpChecksum(message, { ...v4, variant: 'rfc5798' })), 'rfc5798');
  t.equal(matchingChecksumVariant(message, v4, vrrpChecksum(message, { ...v4, variant: 'rfc5798' }) ^ 1), null);
  t.equal(matchingChecksumVariant(message, v6, vrrpChecksum(message, { ...v6, variant: 'rfc9568' })), 'rfc9568');
  t.equal(matchingChecksumVariant(message, v6, vrrpChecksum(message, { ...v4, variant: 'rfc9568' })), null, 'IPv6 has no message-only form');
});
