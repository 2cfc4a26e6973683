/**
 * Sends hand-made VRRP advertisements from a namespace with a chosen TTL / hop limit, through a
 * python3 raw socket (not through our own transport, which always sends 255): the way to prove
 * that packets which crossed a router are dropped.
 */

import { encode } from '../../../src/protocol/advertisement.js';
import { NsProcess } from './topology.js';
import { ip } from '../../helpers/addresses.js';

const SENDER = `
import socket, sys, time
family, src, hexmsg, ttl, count, gap = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6])
msg = bytes.fromhex(hexmsg)
ifindex = socket.if_nametoindex('eth0')
if family == '6':
    s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, 112)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, ttl)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, ifindex)
    s.bind((src, 0, 0, ifindex))
    dst = ('ff02::12', 0, 0, ifindex)
else:
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 112)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, ttl)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(src))
    s.bind((src, 0))
    dst = ('224.0.0.18', 0)
print('ready', flush=True)
for _ in range(count):
    s.sendto(msg, dst)
    time.sleep(gap)
`;

export interface RawAdvert {
  readonly family: 4 | 6;
  /** The sender's own address in its namespace (its link-local for IPv6). */
  readonly src: string;
  readonly vrid: number;
  readonly priority: number;
  readonly intervalCs: number;
  readonly addresses: readonly string[];
}

export function sendRawAdverts(ns: string, advert: RawAdvert, ttl: number, count: number, gapMs: number): NsProcess {
  const dst = advert.family === 4 ? '224.0.0.18' : 'ff02::12';
  const message = encode(
    { vrid: advert.vrid, priority: advert.priority, maxAdvertIntervalCs: advert.intervalCs, addresses: advert.addresses.map(ip) },
    { family: advert.family, src: ip(advert.src), dst: ip(dst), variant: 'rfc5798' },
  );
  const hex = Buffer.from(message).toString('hex');
  return new NsProcess(ns, ['python3', '-c', SENDER, String(advert.family), advert.src, hex, String(ttl), String(count), String(gapMs / 1000)]);
}
