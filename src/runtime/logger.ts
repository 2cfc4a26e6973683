/**
 * JSON logs with pino on stdout: one object a line, which journald keeps as is. Every line of an
 * instance carries `instance` and `vrid`; transitions also carry `from`, `to`, `reason`.
 */

import { pino, type Logger } from 'pino';
import type { LogLevel } from '../config/types.js';
import type { StateName } from '../protocol/fsm-types.js';

export type { Logger };

/** syslog(3) priorities for pino's levels: journald reads a "<N>" line prefix as the priority. */
export const SYSLOG_PRIORITY: Readonly<Record<string, number>> = { fatal: 2, error: 3, warn: 4, info: 6, debug: 7, trace: 7 };

/**
 * Prefixes a JSON line with its syslog priority ("<4>{...}"), so that `journalctl -p warning`
 * works (systemd.exec(5) SyslogLevelPrefix=, on by default). Only when stdout is the journal.
 */
export function withSyslogPrefix(line: string): string {
  const level = /"level":"(\w+)"/.exec(line)?.[1];
  const priority = level === undefined ? undefined : SYSLOG_PRIORITY[level];
  return priority === undefined ? line : `<${priority}>${line}`;
}

export function createLogger(
  level: LogLevel,
  destination = pino.destination({ dest: 1, sync: true }),
  journal = process.env.JOURNAL_STREAM !== undefined,
): Logger {
  return pino(
    {
      level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      ...(journal ? { hooks: { streamWrite: withSyslogPrefix } } : {}),
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
