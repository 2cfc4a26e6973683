import t from 'tap';
import { gratuitousArp, unsolicitedNeighborAdvertisement, ALL_NODES } from '../../src/protocol/announcement-frames.js';
import { internetChecksum, ipv6PseudoHeader } from '../../src/protocol/checksum.js';
import { ip } from '../helpers/addresses.js';
import { hex } from '../helpers/fixtures.js';

const MAC = new Uint8Array([0x02, 0x00, 0x5e, 0x10, 0x20, 0x30]);

t.test('gratuitous ARP: broadcast request, sender = target = the virtual IP, our own MAC', async (t) => {
  const frame = gratuitousArp(MAC, ip('203.0.113.10'));
  t.equal(frame.length, 60, 'padded to the Ethernet minimum');
  t.equal(
    hex(frame.subarray(0, 42)),
    'ffffffffffff' + '02005e102030' + '0806' + // Ethernet: broadcast, from our MAC, ARP
      '0001' + '0800' + '06' + '04' + '0001' + // Ethernet/IPv4, request
      '02005e102030' + 'cb00710a' + // sender: our MAC, the virtual IP
      '000000000000' + 'cb00710a', // target: zero MAC, the virtual IP
  );
  t.equal(hex(frame.subarray(42)), '00'.repeat(18), 'zero padding');
});

t.test('unsolicited NA: all-nodes, hop limit 255, Override set, target link-layer option, valid checksum', async (t) => {
  const vip = ip('2001:db8::10');
  const frame = unsolicitedNeighborAdvertisement(MAC, vip);
  t.equal(hex(frame.subarray(0, 14)), '333300000001' + '02005e102030' + '86dd');
  const ipv6 = frame.subarray(14);
  t.equal(ipv6[0]! >> 4, 6);
  t.equal((ipv6[4]! << 8) | ipv6[5]!, 32, 'payload length');
  t.equal(ipv6[6], 58, 'ICMPv6');
  t.equal(ipv6[7], 255, 'hop limit 255 (RFC 4861 §7.1.2)');
  t.equal(hex(ipv6.subarray(8, 24)), hex(vip), 'from the virtual address');
  t.equal(hex(ipv6.subarray(24, 40)), hex(ALL_NODES));
  const icmp = ipv6.subarray(40, 72);
  t.equal(icmp[0], 136, 'Neighbor Advertisement');
  t.equal(icmp[4], 0x20, 'R=0 S=0 O=1');
  t.equal(hex(icmp.subarray(8, 24)), hex(vip), 'target');
  t.equal(hex(icmp.subarray(24, 32)), '0201' + '02005e102030', 'target link-layer address option');
  t.equal(internetChecksum([ipv6PseudoHeader(vip, ALL_NODES, 32, 58), icmp]), 0, 'checksum verifies');
});
