// Entry points of the configuration module: a JSON value or a file in, a
// typed DaemonConfig or every problem found out.
//
// Stages, each reporting all it finds: read the file, parse JSON, JSON
// Schema (shape, ranges, addresses; fills in defaults), cross-field rules, then the users that
// checks and hooks run as (script-users.ts: the one stage that looks at the machine).
// A stage runs only when the previous one passed, because the cross-field
// rules presuppose a well-formed document.
import { readFile } from 'node:fs/promises';
import { buildConfig } from './build.js';
import { runCrossChecks } from './cross-checks.js';
import { ConfigError, type ConfigIssue } from './issues.js';
import { jsonErrorOffset, positionAt } from './json-syntax.js';
import { validateSchema } from './schema-validator.js';
import { localUser, resolveScriptUsers, type LookupUser } from './script-users.js';
import type { ConfigDocument, DaemonConfig } from './types.js';

export { ConfigError, formatIssue, jsonPointer, type ConfigIssue, type IssueCode } from './issues.js';

export type ConfigResult =
  | { readonly ok: true; readonly config: DaemonConfig; readonly warnings: ConfigIssue[] }
  | { readonly ok: false; readonly errors: ConfigIssue[] };

/** Validates a parsed JSON value. The value itself is not modified. */
export function validateConfig(json: unknown, lookupUser: LookupUser = localUser): ConfigResult {
  // ajv writes defaults into what it validates: work on a copy.
  let document: unknown;
  try {
    document = structuredClone(json);
  } catch (cause) {
    return { ok: false, errors: [{ path: '', code: 'schema.type', message: `is not a JSON value: ${String(cause)}` }] };
  }
  const schemaErrors = validateSchema(document);
  if (schemaErrors.length > 0) return { ok: false, errors: schemaErrors };

  const built = buildConfig(document as ConfigDocument);
  const { errors, warnings } = runCrossChecks(built);
  if (errors.length > 0) return { ok: false, errors };
  const { config, errors: userErrors } = resolveScriptUsers(built, lookupUser);
  return userErrors.length > 0 ? { ok: false, errors: userErrors } : { ok: true, config, warnings };
}

/** Reads, parses and validates a configuration file; never rejects. */
export async function loadConfigFile(path: string, lookupUser: LookupUser = localUser): Promise<ConfigResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    return { ok: false, errors: [{ path: '', code: 'file.unreadable', message: `cannot read ${path}: ${reason}` }] };
  }
  const parsed = parseJson(text);
  return parsed.ok ? validateConfig(parsed.value, lookupUser) : { ok: false, errors: [parsed.issue] };
}

/** For callers that prefer exceptions: the config and its warnings, or a ConfigError. */
export function unwrapConfig(result: ConfigResult, source?: string): { config: DaemonConfig; warnings: ConfigIssue[] } {
  if (!result.ok) throw new ConfigError(result.errors, source === undefined ? undefined : { source });
  return { config: result.config, warnings: result.warnings };
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false; issue: ConfigIssue } {
  // Editors on some systems save a byte order mark, which JSON.parse refuses.
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  try {
    return { ok: true, value: JSON.parse(body) };
  } catch (cause) {
    const offset = jsonErrorOffset(body);
    let where = '';
    if (offset !== undefined) {
      const { line, column } = positionAt(body, offset);
      where = ` at line ${line}, column ${column}`;
    }
    const reason = cause instanceof Error ? cause.message : String(cause);
    return { ok: false, issue: { path: '', code: 'json.syntax', message: `JSON syntax error${where}: ${reason}` } };
  }
}
