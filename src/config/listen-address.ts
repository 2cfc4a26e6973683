// The metrics endpoint's `listen`: "ADDRESS:PORT", with an IPv6 address in brackets
// ("[::1]:9650", RFC 3986 §3.2.2) so that its colons do not run into the port's. An address, not
// a host name: what the endpoint is reachable from must be plain in the file (see cross-checks.ts,
// metrics-not-loopback), and a name would be resolved by whatever the resolver says at start.
import { parseAddress, type IpAddress, type ParseResult } from './cidr.js';

export interface ListenAddress extends IpAddress {
  readonly port: number;
}

const FORM = /^(?:\[(?<v6>[^\]]*)\]|(?<v4>[^:[\]]*)):(?<port>[^:]*)$/;

export function parseListenAddress(text: string): ParseResult<ListenAddress> {
  const match = FORM.exec(text);
  const host = match?.groups?.['v6'] ?? match?.groups?.['v4'];
  const portText = match?.groups?.['port'];
  if (host === undefined || portText === undefined) {
    return { ok: false, reason: `"${text}" must be ADDRESS:PORT, with an IPv6 address in brackets ("127.0.0.1:9650", "[::1]:9650")` };
  }
  const address = parseAddress(host);
  if (!address.ok) return address;
  const bracketed = match?.groups?.['v6'] !== undefined;
  if (bracketed !== (address.value.family === 6)) {
    return { ok: false, reason: `"${text}": ${bracketed ? 'only an IPv6 address goes in brackets' : 'an IPv6 address goes in brackets, as in "[::1]:9650"'}` };
  }
  const port = Number(portText);
  // String(Number(x)) === x: canonical decimal only (no "", "+80", "080", "0x50").
  if (!Number.isInteger(port) || String(port) !== portText || port < 1 || port > 65_535) {
    return { ok: false, reason: `"${text}": port "${portText}" must be a decimal number 1..65535` };
  }
  return { ok: true, value: { ...address.value, given: text, port } };
}

/** "127.0.0.1:9650", "[::1]:9650": the normalized address, for logs. */
export function formatListenAddress(listen: Pick<ListenAddress, 'family' | 'address' | 'port'>): string {
  return listen.family === 6 ? `[${listen.address}]:${listen.port}` : `${listen.address}:${listen.port}`;
}
