/**
 * Configuration documents for the config tests: a minimal valid instance to
 * vary one field at a time, and assertions that find an issue by path and code.
 * Documentation addresses only (RFC 5737, RFC 3849).
 */
import type { Test } from 'tap';
import { validateConfig, type ConfigIssue } from '../../src/config/load.js';
import type { DaemonConfig } from '../../src/config/types.js';

export type Json = Record<string, unknown>;

/** A valid IPv4 instance; `overrides` replace or add fields. */
export function instance(overrides: Json = {}): Json {
  return { name: 'web', interface: 'eth0', vrid: 51, virtualAddresses: ['203.0.113.10/32'], ...overrides };
}

/** A valid IPv6 instance with a different name and VRID than instance(). */
export function instance6(overrides: Json = {}): Json {
  return instance({ name: 'web6', vrid: 61, virtualAddresses: ['2001:db8::10/128'], ...overrides });
}

export function configWith(...instances: Json[]): Json {
  return { instances };
}

/** The errors of a document that must be rejected; fails the test if it is accepted. */
export function errorsOf(t: Test, json: unknown): ConfigIssue[] {
  const result = validateConfig(json);
  if (result.ok) {
    t.fail('expected the configuration to be rejected');
    return [];
  }
  return result.errors;
}

/** The config and warnings of a document that must be accepted; throws (failing the test) otherwise. */
export function acceptedConfig(json: unknown): { config: DaemonConfig; warnings: ConfigIssue[] } {
  const result = validateConfig(json);
  if (!result.ok) throw new Error(`expected the configuration to be accepted, got ${JSON.stringify(result.errors)}`);
  return { config: result.config, warnings: result.warnings };
}

/** Asserts there is an issue at `path` with `code` whose message contains `text`. */
export function hasIssue(t: Test, issues: readonly ConfigIssue[], path: string, code: string, text: string): void {
  const issue = issues.find((i) => i.path === path && i.code === code);
  if (issue === undefined) {
    t.fail(`no ${code} issue at ${path}`, { found: issues });
    return;
  }
  t.match(issue.message, text, `${path}: ${code}`);
}
