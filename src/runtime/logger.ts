/**
 * JSON logs with pino on stdout: one object a line, which journald keeps as is. Every line of an
 * instance carries `instance` and `vrid`; transitions also carry `from`, `to`, `reason`. Writes
 * are asynchronous and bounded (log-output.ts): a stalled journal never blocks the daemon.
 */

import { pino, type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from '../config/types.js';
import type { StateName } from '../protocol/fsm-types.js';
import { AsyncLogOutput, stdoutLogOutput } from './log-output.js';

export type { Logger };
export { flushLogs } from './log-output.js';

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

/** The daemon's logger; on stdout unless told otherwise. Call flushLogs() before process.exit(). */
export function createLogger(
  level: LogLevel,
  destination: DestinationStream = stdoutLogOutput(),
  journal = process.env.JOURNAL_STREAM !== undefined,
): Logger {
  const logger = pino(
    {
      level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      ...(journal ? { hooks: { streamWrite: withSyslogPrefix } } : {}),
    },
    destination,
  );
  if (destination instanceof AsyncLogOutput) {
    destination.onDropped = (droppedLines) => logger.warn({ droppedLines }, 'log lines dropped: stdout (the journal) took no lines for a while');
  }
  return logger;
}

/** Operators' words for the RFC 9568 states (the RFC's Active is keepalived's MASTER). */
export const STATE_LABEL: Readonly<Record<StateName, string>> = {
  initialize: 'INIT',
  backup: 'BACKUP',
  active: 'MASTER',
  fault: 'FAULT',
};
