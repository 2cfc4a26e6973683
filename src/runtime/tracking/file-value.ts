/**
 * The content of a tracked file: one integer, optionally signed, with surrounding whitespace
 * (`echo 5 > /run/x` writes "5\n"). Anything else is refused with a reason rather than read as
 * 0 or as its leading digits (strtol-style): a half-written or wrong file must show as broken,
 * not as a plausible number. Pure.
 */

export type FileValue =
  | { readonly ok: true; readonly value: number }
  | { readonly ok: false; readonly reason: 'empty' | 'not-an-integer' | 'out-of-range' };

export function parseFileValue(text: string): FileValue {
  const trimmed = text.trim();
  if (trimmed === '') return { ok: false, reason: 'empty' };
  if (!/^[+-]?\d+$/.test(trimmed)) return { ok: false, reason: 'not-an-integer' };
  const value = Number(trimmed);
  if (!Number.isSafeInteger(value)) return { ok: false, reason: 'out-of-range' };
  // "-0" is 0: logs and Object.is-based comparisons (tests) should not see -0.
  return { ok: true, value: value === 0 ? 0 : value };
}
