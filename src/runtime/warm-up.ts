/**
 * Keeps the takeover path warm. The first run of a code path costs V8 far more than later ones
 * (parsing, bytecode, inline caches, optimised code): a backup's
 * first takeover spent ~0.7 ms in our own code before its first packet left, against ~0.2 ms
 * once warm (measured in process). So a throwaway instance with null ports goes through a whole
 * takeover — start, Active_Down_Timer, addresses, advertisement, announcement, release — at
 * start-up and then every WARM_EVERY_MS, since V8 may drop the bytecode of functions left unused
 * for long and a backup can wait for days. Nothing of it reaches the network or the logs.
 */

import { pino } from 'pino';
import type { InstanceConfig } from '../config/types.js';
import { parseAddress } from '../protocol/ip-address.js';
import { nullAddresses, nullFrames, nullTransport } from '../net/null-ports.js';
import type { LinkInfo } from '../net/ports.js';
import { InstanceDriver } from './instance-driver.js';
import { ManualTime } from './manual-time.js';
import { Scheduler } from './scheduler.js';

export const WARM_EVERY_MS = 60_000;

const SILENT = pino({ level: 'silent' });

/** One takeover and release of a throwaway copy of `config`, on null ports; its transitions. */
export async function rehearseTakeover(config: InstanceConfig, link: LinkInfo): Promise<string[]> {
  const time = new ManualTime();
  const scheduler = new Scheduler(time, time);
  const bytes = (text: string) => parseAddress(text) ?? new Uint8Array(config.family === 4 ? 4 : 16);
  const driver = new InstanceDriver(
    {
      config: { ...config, startupDelayMs: 0, groupMaster: false, groupMasterWaitMs: 0, track: { interfaces: [], scripts: [], files: [] }, notify: [] },
      link,
      source: bytes(config.family === 4 ? '192.0.2.1' : 'fe80::1'),
      destinations: [bytes(config.family === 4 ? '224.0.0.18' : 'ff02::12')],
      virtualAddresses: config.virtualAddresses.map((p) => ({ bytes: bytes(p.address), prefixLength: p.prefixLength })),
    },
    { scheduler, transport: nullTransport, addresses: nullAddresses(link), frames: nullFrames, log: SILENT },
  );
  const transitions: string[] = [];
  driver.onTransition((record) => transitions.push(`${record.from}>${record.to}`));
  driver.start();
  // Just past the deadline: the last loop turns of its approach land a little after it.
  time.advanceTo((scheduler.deadline(`${config.name}/activeDown`) ?? 0) + 1);
  await driver.stop();
  scheduler.clear();
  return transitions;
}
