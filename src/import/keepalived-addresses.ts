// keepalived's addresses → ours: unicast_src_ip / mcast_src_ip, unicast_peer and
// virtual_ipaddress, each checked with our own parser (config/cidr.ts) so that what is carried
// over is what --check-config accepts.
import { parseAddress, parseCidr } from '../config/cidr.js';
import type { IpFamily } from '../config/types.js';
import type { NoteList } from './import-notes.js';
import type { Statement } from './keepalived-parser.js';
import { word } from './keepalived-values.js';

export function address(item: Statement, notes: NoteList): string | undefined {
  const text = word(item, notes);
  if (text === undefined) return undefined;
  if (parseAddress(text).ok) return text;
  notes.add(item, `${text} is not an IP address: not carried over`);
  return undefined;
}

export function peers(block: Statement, notes: NoteList): string[] | undefined {
  const list: string[] = [];
  for (const entry of block.block ?? []) {
    const text = entry.keyword.text;
    if (!parseAddress(text).ok) {
      notes.add(entry, `${text} is not an IP address: not carried over`);
      continue;
    }
    if (entry.args.length > 0) notes.add(entry, `${entry.args.map((a) => a.text).join(' ')} not carried over: ipfailoverd checks TTL 255 (RFC 9568 §7.1) and has no per-peer TTL range`);
    list.push(text);
  }
  if (list.length === 0) {
    notes.add(block, 'no peers: the instance advertises by multicast');
    return undefined;
  }
  return list;
}

/**
 * `ADDRESS[/PREFIX] [dev IF] [label L] [brd B] [scope S] ...` lines. One family per instance,
 * the first address's (or IPv6 with native_ipv6), as keepalived requires ("address family
 * must match VRRP instance"); addresses on another interface are dropped: ours go on the
 * instance's interface.
 */
export function virtualIps(
  block: Statement,
  interfaceName: string | undefined,
  nativeIpv6: boolean,
  notes: NoteList,
): { list: string[]; family: IpFamily | undefined } {
  const list: string[] = [];
  let family: IpFamily | undefined = nativeIpv6 ? 6 : undefined;
  for (const entry of block.block ?? []) {
    const text = entry.keyword.text;
    const parsed = parseCidr(text);
    if (!parsed.ok) {
      notes.add(entry, `${text} is not an address with an optional /prefix: not carried over`);
      continue;
    }
    family ??= parsed.value.family;
    if (parsed.value.family !== family) {
      notes.add(entry, `${text} is IPv${parsed.value.family} but the instance is IPv${family}: not carried over (keepalived ignores it too); give it an instance of its own`);
      continue;
    }
    const options = entry.args.map((a) => a.text);
    const dev = options.indexOf('dev');
    const device = dev >= 0 ? options[dev + 1] : undefined;
    if (device !== undefined && device !== interfaceName) {
      notes.add(entry, `${text} is on ${device}: not carried over (ipfailoverd adds virtual addresses on the instance's interface, ${interfaceName ?? 'unset'})`);
      continue;
    }
    const dropped = dev >= 0 ? [...options.slice(0, dev), ...options.slice(dev + 2)] : options;
    if (dropped.length > 0) notes.add(entry, `${dropped.join(' ')} not carried over (ipfailoverd adds the address with its prefix only)`);
    list.push(text);
  }
  return { list, family };
}
