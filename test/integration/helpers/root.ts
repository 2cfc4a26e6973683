/** Integration tests need root for namespaces: without it they fail, never skip silently. */

import type { Test } from 'tap';

export function requireRoot(t: Test): boolean {
  if (process.getuid?.() === 0) return true;
  t.fail('needs root: builds network namespaces (run the suite as root, as CI does)');
  return false;
}
