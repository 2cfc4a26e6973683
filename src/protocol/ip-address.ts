/**
 * Pure IPv4 / IPv6 address helpers for the codec and the election.
 *
 * The protocol core may not import Node's I/O modules (node:net included), so parsing and
 * formatting live here. Addresses travel as raw network-order bytes; strings are only for
 * logs, fixtures and configuration.
 */

export type IpFamily = 4 | 6;

/** Bytes of one address of the family: 4 for IPv4, 16 for IPv6. */
export function addressLength(family: IpFamily): 4 | 16 {
  return family === 4 ? 4 : 16;
}

/** Dotted quad → 4 bytes, or null when it is not exactly a dotted quad of 0..255. */
export function parseIPv4(text: string): Uint8Array | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const part = parts[i] as string;
    // Leading zeros are refused: "010" is octal to some parsers and decimal to others.
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part)) return null;
    const value = Number(part);
    if (value > 255) return null;
    out[i] = value;
  }
  return out;
}

function parseHextets(text: string): number[] | null {
  if (text === '') return [];
  const groups = text.split(':');
  const out: number[] = [];
  for (const group of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return null;
    out.push(parseInt(group, 16));
  }
  return out;
}

/** RFC 4291 §2.2 text forms (with "::" and an embedded dotted quad) → 16 bytes, or null. */
export function parseIPv6(text: string): Uint8Array | null {
  let body = text;
  const lastColon = body.lastIndexOf(':');
  if (lastColon >= 0 && body.includes('.', lastColon)) {
    // "::ffff:192.0.2.1": rewrite the dotted quad as the two hex words it stands for.
    const v4 = parseIPv4(body.slice(lastColon + 1));
    if (v4 === null) return null;
    const high = (((v4[0] as number) << 8) | (v4[1] as number)).toString(16);
    const low = (((v4[2] as number) << 8) | (v4[3] as number)).toString(16);
    body = `${body.slice(0, lastColon + 1)}${high}:${low}`;
  }
  const halves = body.split('::');
  if (halves.length > 2) return null;
  const head = parseHextets(halves[0] as string);
  const rest = halves.length === 2 ? parseHextets(halves[1] as string) : [];
  if (head === null || rest === null) return null;
  const given = head.length + rest.length;
  // "::" stands for at least one zero word (RFC 4291 §2.2, RFC 5952 §4.2.2).
  if (halves.length === 2 ? given > 7 : given !== 8) return null;
  const words = [...head, ...new Array<number>(8 - given).fill(0), ...rest];
  const out = new Uint8Array(16);
  words.forEach((word, i) => {
    out[2 * i] = word >> 8;
    out[2 * i + 1] = word & 0xff;
  });
  return out;
}

/** Either family; the result's length tells which. */
export function parseAddress(text: string): Uint8Array | null {
  return text.includes(':') ? parseIPv6(text) : parseIPv4(text);
}

export function formatIPv4(bytes: Uint8Array): string {
  return Array.from(bytes.subarray(0, 4)).join('.');
}

/** RFC 5952 canonical text: lowercase, no leading zeros, the longest run (≥2) of zero words as "::". */
export function formatIPv6(bytes: Uint8Array): string {
  const words: number[] = [];
  for (let i = 0; i < 8; i++) words.push(((bytes[2 * i] as number) << 8) | (bytes[2 * i + 1] as number));
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = (ws: number[]): string => ws.map((w) => w.toString(16)).join(':');
  if (bestStart < 0) return hex(words);
  return `${hex(words.slice(0, bestStart))}::${hex(words.slice(bestStart + bestLength))}`;
}

export function formatAddress(bytes: Uint8Array): string {
  return bytes.length === 4 ? formatIPv4(bytes) : formatIPv6(bytes);
}

/**
 * Compares two addresses as unsigned big-endian integers (RFC 9568 §6.4.3 compares "the primary
 * IPvX Address of the sender" with the local one that way). Negative, zero or positive.
 */
export function compareAddresses(a: Uint8Array, b: Uint8Array): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const diff = (a[i] as number) - (b[i] as number);
    if (diff !== 0) return diff;
  }
  return a.length - b.length;
}

export function sameAddress(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && compareAddresses(a, b) === 0;
}
