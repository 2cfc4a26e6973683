/**
 * The journal's line for a command the status socket refused (access.ts): who (uid, pid, groups
 * as the kernel recorded them), what, and why. A member of the operators' group may send refused
 * commands as fast as it likes; each peer uid and reason is logged once a minute, with the count
 * of those not logged since.
 */

import type { Refusal } from '../control/status-server.js';
import type { Logger } from './logger.js';
import { logLimited, RateLimiter } from './rate-limit.js';

const REFUSAL_LOG_EVERY_MS = 60_000;

export function refusalLog(log: Pick<Logger, 'warn'>, now: () => number): (refusal: Refusal) => void {
  const limiter = new RateLimiter(REFUSAL_LOG_EVERY_MS);
  return ({ cmd, reason, peer }) => {
    const who = peer.known ? peer.credentials : { why: peer.why };
    const key = `${peer.known ? peer.credentials.uid : 'unknown'}/${reason}`;
    logLimited(limiter, log, { level: 'warn', key, now: now(), message: `status socket: ${cmd} refused (${reason})` }, { cmd, reason, ...who });
  };
}
