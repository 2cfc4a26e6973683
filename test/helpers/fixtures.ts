/** Loads the captured advertisements kept under test/fixtures/ (see capture-keepalived.sh). */

import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Compiled tests live in dist/test/<dir>/, the fixtures stay in test/fixtures/. */
export const FIXTURE_DIR = fileURLToPath(new URL('../../../test/fixtures/', import.meta.url));

export interface CapturedAdvertisement {
  readonly file: string;
  readonly source: string;
  readonly description: string;
  readonly family: 4 | 6;
  readonly src: string;
  readonly dst: string;
  readonly ttl: number;
  readonly ipPacketHex: string;
  readonly vrrpHex: string;
  readonly expected: {
    readonly version: number;
    readonly type: number;
    readonly vrid: number;
    readonly priority: number;
    readonly count: number;
    readonly maxAdvertIntervalCs: number;
    readonly checksum: string;
    readonly addresses: readonly string[];
    readonly checksumVariant: 'rfc9568' | 'rfc5798';
  };
}

export function loadCaptures(prefix: string): CapturedAdvertisement[] {
  return readdirSync(FIXTURE_DIR)
    .filter((name) => name.startsWith(prefix) && name.endsWith('.json'))
    .sort()
    .map((file) => ({ file, ...(JSON.parse(readFileSync(FIXTURE_DIR + file, 'utf8')) as Omit<CapturedAdvertisement, 'file'>) }));
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

export function fromHex(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'hex'));
}
