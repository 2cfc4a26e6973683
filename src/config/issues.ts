// What the configuration loader reports: issues that name the place in the
// document (a JSON Pointer, RFC 6901) and say what is wrong there.

/**
 * Stable identifiers of issue kinds, for tests and tools; the message text is
 * for people and may change.
 * - "file.unreadable", "json.syntax": the document could not be read.
 * - "schema.<keyword>": a JSON Schema keyword failed ("schema.maximum",
 *   "schema.required", "schema.additionalProperties", "schema.ipAddress", ...).
 * - the rest: one per cross-check (cross-checks.ts).
 */
export type IssueCode =
  | 'file.unreadable'
  | 'json.syntax'
  | `schema.${string}`
  | 'duplicate-name'
  | 'duplicate-vrid'
  | 'mixed-families'
  | 'peer-family'
  | 'source-family'
  | 'duplicate-peer'
  | 'peer-is-source'
  | 'ipv6-peer-scope'
  | 'duplicate-virtual-address'
  | 'shared-virtual-address'
  | 'too-many-addresses'
  | 'owner-priority'
  | 'virtual-address-class'
  | 'endpoint-address-class'
  | 'owner-tracking'
  | 'duplicate-track'
  | 'script-timeout'
  | 'command-not-absolute'
  | 'peers-with-unicast'
  | 'preempt-delay-ignored'
  | 'group-master-without-preempt'
  | 'unknown-user'
  | 'hidden-by-sandbox'
  | 'multicast-without-peers'
  | 'metrics-not-loopback'
  | 'duplicate-sync-group'
  | 'sync-group-unknown-instance'
  | 'sync-group-shared-instance'
  | 'sync-group-too-small';

export interface ConfigIssue {
  /** JSON Pointer into the document: "/instances/1/vrid"; "" is the whole document. */
  readonly path: string;
  readonly message: string;
  readonly code: IssueCode;
}

/** Builds a JSON Pointer, escaping "~" and "/" inside segments (RFC 6901 §3). */
export function jsonPointer(...segments: ReadonlyArray<string | number>): string {
  return segments.map((s) => '/' + String(s).replaceAll('~', '~0').replaceAll('/', '~1')).join('');
}

/** "PATH: MESSAGE", with "(root)" standing for the empty pointer. */
export function formatIssue(issue: ConfigIssue): string {
  return `${issue.path === '' ? '(root)' : issue.path}: ${issue.message}`;
}

/** For callers that would rather throw than inspect a result. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'ERR_IPFAILOVERD_CONFIG';
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[], options?: { source?: string; cause?: unknown }) {
    const where = options?.source === undefined ? '' : ` in ${options.source}`;
    const first = issues[0];
    const detail = first === undefined ? '' : `: ${formatIssue(first)}`;
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
    super(`invalid configuration${where}${detail}${more}`, { cause: options?.cause });
    this.issues = issues;
  }
}
