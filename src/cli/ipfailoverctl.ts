#!/usr/bin/env node
// ipfailoverctl: the operator's command line, talking to ipfailoverd over its status socket.
import { isRefusal } from '../control/access.js';
import { ControlError, DEFAULT_SOCKET, sendRequest } from '../control/client.js';
import type { Request } from '../control/protocol.js';
import { checkConfig } from './check-config.js';
import { EX_OK, EX_UNAVAILABLE, EX_USAGE } from './exit-codes.js';
import { importKeepalived } from './import-keepalived.js';
import { formatPeersTable } from './peers-table.js';
import { formatStatusTable } from './status-table.js';

const PROGRAM = 'ipfailoverctl';
const EX_SOFTWARE = 70;
const EX_NOPERM = 77;

const USAGE = `Usage: ${PROGRAM} [--socket PATH] [--json] COMMAND [ARGS]

Commands:
  status              every instance: state, priority (effective and configured), master address,
                      since when and why (and whether that master is the group's configured
                      master), whether the role matches the group's configured master;
                      then the counters (advertisements, drops by reason, transitions, announcements)
                      and, per receive socket, datagrams read, kernel drops (full queue), handler
                      errors and drops no instance could be named for (unknown VRID, ...);
                      split brains seen (another master this one wins against)
  peers               the routers each instance hears: address, priority (0: released),
                      advertised interval, checksum form (rfc9568 or rfc5798), first and last
                      heard, advertisements counted, and which is the master and which the
                      configured master (at most 16 per instance: the least recently heard go)
  watch               print transitions as they happen, until Ctrl-C (exit 0) or the daemon
                      goes away (exit 69)
  step-down NAME      hand NAME's mastership over now (priority 0) and hold it in backup
  resume NAME         lift a step-down
  reload              re-read the configuration file (as SIGHUP); an invalid file changes nothing
                      (step-down, resume and reload: root or the admin group, ipfailoverd-admin
                      by default; status, watch and peers: the operators' group too)
  check-config FILE   validate a configuration file; exit 0, or 78 with every error and its path
  import-keepalived FILE
                      print an ipfailoverd configuration made from keepalived.conf FILE (and its
                      includes); what cannot be carried over is listed on stderr as
                      FILE:LINE: keyword: why (exit 0); exit 78 if FILE cannot be parsed
  help                show this text

Options:
  --socket PATH       the status socket (default $IPFAILOVERD_SOCKET or ${DEFAULT_SOCKET})
  --json              print the daemon's replies as JSON
`;

interface Options {
  socket: string;
  json: boolean;
  words: string[];
}

function parse(argv: readonly string[]): Options | string {
  const options: Options = { socket: process.env.IPFAILOVERD_SOCKET ?? DEFAULT_SOCKET, json: false, words: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--json') options.json = true;
    else if (arg === '--socket') {
      const path = argv[++i];
      if (path === undefined) return '--socket needs a path';
      options.socket = path;
    } else if (arg.startsWith('--socket=')) options.socket = arg.slice('--socket='.length);
    else options.words.push(arg);
  }
  return options;
}

function toRequest(words: readonly string[]): Request | string {
  const [command, ...rest] = words;
  switch (command) {
    case 'status':
    case 'peers':
    case 'watch':
    case 'reload':
      return rest.length === 0 ? { cmd: command } : `${command} takes no arguments`;
    case 'step-down':
    case 'resume':
      return rest.length === 1 ? { cmd: command, instance: rest[0] as string } : `${command} needs one instance name`;
    default:
      return command === undefined ? 'no command given' : `unknown command '${command}'`;
  }
}

function print(options: Options, request: Request, reply: Record<string, unknown>): void {
  if (options.json) {
    process.stdout.write(`${JSON.stringify(reply, null, 2)}\n`);
    return;
  }
  if (request.cmd === 'peers' && Array.isArray(reply.instances)) process.stdout.write(formatPeersTable(reply.instances as Array<Record<string, unknown>>));
  else if (Array.isArray(reply.instances)) {
    const sockets = Array.isArray(reply.sockets) ? (reply.sockets as Array<Record<string, unknown>>) : [];
    process.stdout.write(formatStatusTable(reply.instances as Array<Record<string, unknown>>, sockets));
  }
  else if (reply.instance !== undefined) process.stdout.write(formatStatusTable([reply.instance as Record<string, unknown>]));
  else if (reply.plan !== undefined) {
    const plan = reply.plan as Record<string, string[]>;
    const parts = Object.entries(plan).map(([what, names]) => `${what}: ${names.length === 0 ? '-' : names.join(', ')}`);
    process.stdout.write(`reloaded (${parts.join('; ')})\n`);
    for (const failure of (reply.failed as Array<{ instance: string; error: string }>) ?? []) {
      process.stdout.write(`  not started: ${failure.instance}: ${failure.error}\n`);
    }
  }
}

async function main(argv: readonly string[]): Promise<number> {
  const options = parse(argv);
  if (typeof options === 'string') return usage(options);
  const [command, ...rest] = options.words;
  if (command === 'help' || argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(USAGE);
    return EX_OK;
  }
  if (command === 'check-config') return rest.length === 1 ? checkConfig(PROGRAM, rest[0] as string) : usage('check-config needs one file');
  if (command === 'import-keepalived') {
    return rest.length === 1 ? importKeepalived(PROGRAM, rest[0] as string) : usage('import-keepalived needs one file');
  }
  const request = toRequest(options.words);
  if (typeof request === 'string') return usage(request);
  try {
    if (request.cmd === 'watch') return await watch(options);
    const reply = await sendRequest(options.socket, request);
    if (reply.ok !== true) {
      process.stderr.write(`${PROGRAM}: ${String(reply.error)}\n`);
      // Refused for want of permission (access.ts): the same exit as a socket we may not open.
      return isRefusal(reply) ? EX_NOPERM : EX_SOFTWARE;
    }
    print(options, request, reply);
    return EX_OK;
  } catch (error) {
    return failure(error);
  }
}

async function watch(options: Options): Promise<number> {
  const stop = new AbortController();
  process.once('SIGINT', () => stop.abort());
  // Settles when the connection ends after the reply: by Ctrl-C (no error) or by the daemon.
  let closed!: (error?: ControlError) => void;
  const ended = new Promise<ControlError | undefined>((resolve) => (closed = resolve));
  let reply: Record<string, unknown>;
  try {
    reply = await sendRequest(
      options.socket,
      { cmd: 'watch' },
      (event) => {
        if (options.json) process.stdout.write(`${JSON.stringify(event)}\n`);
        else process.stdout.write(`${String(event.time)}  ${String(event.instance)}: ${String(event.from)} -> ${String(event.to)} (${String(event.reason)})\n`);
      },
      stop.signal,
      closed,
    );
  } catch (error) {
    if (stop.signal.aborted) return EX_OK; // Ctrl-C before the daemon answered
    throw error;
  }
  if (reply.ok !== true) {
    process.stderr.write(`${PROGRAM}: ${String(reply.error)}\n`);
    return EX_SOFTWARE;
  }
  const error = await ended;
  if (error === undefined) return EX_OK;
  // Without this the command would sit there silently, watching nothing, after a daemon restart.
  process.stderr.write(`${PROGRAM}: ${error.code === 'EPROTO' ? error.message : 'ipfailoverd went away'}\n`);
  return EX_UNAVAILABLE;
}

function failure(error: unknown): number {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`${PROGRAM}: ${message}\n`);
  if (error instanceof ControlError && error.code === 'EACCES') return EX_NOPERM;
  return EX_UNAVAILABLE;
}

function usage(message: string): number {
  process.stderr.write(`${PROGRAM}: ${message}\n${USAGE}`);
  return EX_USAGE;
}

process.exitCode = await main(process.argv.slice(2));
