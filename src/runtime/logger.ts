/**
 * JSON logs with pino on stdout: one object a line, which journald keeps as is. Every line of an
 * instance carries `instance` and `vrid`; transitions also carry `from`, `to`, `reason`.
 */

import { pino, type Logger } from 'pino';
import type { LogLevel } from '../config/types.js';
import type { StateName } from '../protocol/fsm-types.js';

export type { Logger };

export function createLogger(level: LogLevel, destination = pino.destination({ dest: 1, sync: true })): Logger {
  return pino(
    {
      level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}

/** Operators' words for the RFC 9568 states (the RFC's Active is keepalived's MASTER). */
export const STATE_LABEL: Readonly<Record<StateName, string>> = {
  initialize: 'INIT',
  backup: 'BACKUP',
  active: 'MASTER',
  fault: 'FAULT',
};
