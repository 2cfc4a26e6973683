/**
 * The status socket's protocol: newline-delimited JSON, one request a line, one reply a line
 * (and for `watch`, one event a line after the reply). Parsing is pure: whatever arrives, the
 * answer is a request or an error to send back, never an exception.
 */

export type Request =
  | { readonly cmd: 'status' }
  | { readonly cmd: 'peers' }
  | { readonly cmd: 'watch' }
  | { readonly cmd: 'reload' }
  | { readonly cmd: 'step-down'; readonly instance: string }
  | { readonly cmd: 'resume'; readonly instance: string };

export type ParseResult = { readonly ok: true; readonly request: Request } | { readonly ok: false; readonly error: string };

/** A request line longer than this is refused (and the connection closed): nobody needs more. */
export const MAX_REQUEST_BYTES = 4096;

const COMMANDS = ['status', 'peers', 'watch', 'reload', 'step-down', 'resume'] as const;

export function parseRequest(line: string): ParseResult {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { ok: false, error: 'not JSON: send one JSON object per line, e.g. {"cmd":"status"}' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, error: 'a request is a JSON object' };
  const { cmd, instance } = value as { cmd?: unknown; instance?: unknown };
  if (typeof cmd !== 'string' || !(COMMANDS as readonly string[]).includes(cmd)) {
    return { ok: false, error: `unknown cmd ${JSON.stringify(cmd)}; one of ${COMMANDS.join(', ')}` };
  }
  if (cmd === 'step-down' || cmd === 'resume') {
    if (typeof instance !== 'string' || instance === '') return { ok: false, error: `${cmd} needs "instance": the instance name` };
    return { ok: true, request: { cmd, instance } };
  }
  return { ok: true, request: { cmd } as Request };
}

export interface ErrorReply {
  readonly ok: false;
  readonly error: string;
}
