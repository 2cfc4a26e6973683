/**
 * Ethernet frames that tell the segment where a virtual address lives now, sent from the NIC's
 * own MAC: IP failover groups do not support virtual MAC addresses, so after a failover the
 * neighbours (the provider's router first) must learn the new MAC for the same IP.
 *
 * Pure: bytes in, bytes out. The frames go out through an AF_PACKET socket (net/).
 */

import { internetChecksum, ipv6PseudoHeader } from './checksum.js';

const ETHERTYPE_ARP = 0x0806;
const ETHERTYPE_IPV6 = 0x86dd;
const ICMPV6 = 58;
const ETHERNET_HEADER = 14;
/** Frames shorter than 60 bytes (without FCS) are padded (IEEE 802.3 minimum). */
const MIN_FRAME = 60;

export const BROADCAST_MAC = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
/** ff02::1, all nodes, and its RFC 2464 §7 multicast MAC 33:33:00:00:00:01. */
export const ALL_NODES = new Uint8Array([0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
const ALL_NODES_MAC = new Uint8Array([0x33, 0x33, 0, 0, 0, 1]);

function ethernet(dst: Uint8Array, src: Uint8Array, etherType: number, payloadLength: number): Uint8Array {
  const frame = new Uint8Array(Math.max(MIN_FRAME, ETHERNET_HEADER + payloadLength));
  frame.set(dst, 0);
  frame.set(src, 6);
  frame[12] = etherType >> 8;
  frame[13] = etherType & 0xff;
  return frame;
}

/**
 * Gratuitous ARP (RFC 5227 §3 "ARP Announcement", RFC 5944 §4.6): an ARP request whose sender
 * and target IP are both the virtual address, sender MAC the NIC's own, to the broadcast address.
 * A request rather than a reply, because every host and router updates its cache from one.
 */
export function gratuitousArp(mac: Uint8Array, address: Uint8Array): Uint8Array {
  const frame = ethernet(BROADCAST_MAC, mac, ETHERTYPE_ARP, 28);
  const arp = frame.subarray(ETHERNET_HEADER);
  arp.set([0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01]); // Ethernet, IPv4, hlen 6, plen 4, request
  arp.set(mac, 8); // sender hardware address
  arp.set(address, 14); // sender protocol address
  // Target hardware address stays zero (RFC 5227 §2.1.1: ignored, SHOULD be zero).
  arp.set(address, 24); // target protocol address
  return frame;
}

/**
 * Unsolicited Neighbor Advertisement (RFC 4861 §7.2.6) for a virtual IPv6 address: to all nodes,
 * Override set so that caches replace the old MAC, Solicited clear, a Target Link-Layer Address
 * option with the NIC's own MAC, hop limit 255 (§7.1.2: receivers drop anything else).
 * The source is the virtual address itself, assigned on the interface before this is sent.
 */
export function unsolicitedNeighborAdvertisement(mac: Uint8Array, address: Uint8Array): Uint8Array {
  const icmpLength = 24 + 8;
  const frame = ethernet(ALL_NODES_MAC, mac, ETHERTYPE_IPV6, 40 + icmpLength);
  const ip = frame.subarray(ETHERNET_HEADER);
  ip[0] = 0x60; // version 6, traffic class 0, flow label 0
  ip[4] = icmpLength >> 8;
  ip[5] = icmpLength & 0xff;
  ip[6] = ICMPV6;
  ip[7] = 255;
  ip.set(address, 8);
  ip.set(ALL_NODES, 24);
  const icmp = ip.subarray(40, 40 + icmpLength);
  icmp[0] = 136; // Neighbor Advertisement
  icmp[4] = 0x20; // R=0 S=0 O=1
  icmp.set(address, 8);
  icmp[24] = 2; // option: Target Link-Layer Address
  icmp[25] = 1; // length in units of 8 bytes
  icmp.set(mac, 26);
  const sum = internetChecksum([ipv6PseudoHeader(address, ALL_NODES, icmpLength, ICMPV6), icmp]);
  icmp[2] = sum >> 8;
  icmp[3] = sum & 0xff;
  return frame;
}

export function announcementFrame(mac: Uint8Array, address: Uint8Array): Uint8Array {
  return address.length === 4 ? gratuitousArp(mac, address) : unsolicitedNeighborAdvertisement(mac, address);
}
