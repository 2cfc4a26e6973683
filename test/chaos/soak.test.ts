/**
 * CI's chaos soak: a short seeded soak of the real daemons must end with zero violations, and
 * the same soak with a rogue member (the failover IPs configured statically, no daemon) must
 * fail, showing that the checks can fail. Runs the soak as an operator would (its own process,
 * which removes its namespaces on every way out).
 */

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { requireRoot } from '../integration/helpers/root.js';
import { FAULT_KINDS, type Violation } from './model.js';

const SOAK = fileURLToPath(new URL('./soak.js', import.meta.url));
// Two minutes of faults plus set-up, start-up and the final stop; then the rogue run.
t.setTimeout(8 * 60_000);

interface Outcome {
  readonly status: number | null;
  readonly output: string;
  readonly result: { faults: string[]; violations: Violation[] } | undefined;
}

function runSoak(args: readonly string[]): Promise<Outcome> {
  const dir = mkdtempSync(join(tmpdir(), 'ipfo-chaos-test-'));
  const json = join(dir, 'verdict.json');
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [SOAK, ...args, '--json', json], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('exit', (status) => {
      let result: Outcome['result'];
      try {
        result = JSON.parse(readFileSync(json, 'utf8')) as Outcome['result'];
      } catch {
        result = undefined;
      }
      rmSync(dir, { recursive: true, force: true });
      resolve({ status, output, result });
    });
  });
}

if (requireRoot(t)) {
  t.test('a 2-minute seeded soak: every kind of fault, zero violations', async (t) => {
    const { status, output, result } = await runSoak(['--minutes', '2', '--seed', '20251']);
    t.ok(result !== undefined, 'the soak wrote its verdict');
    t.same([...new Set(result?.faults)].sort(), [...FAULT_KINDS].sort(), 'every kind of fault was injected');
    t.same(result?.violations.map((v) => `${v.invariant} at ${v.t} ms: ${v.detail}`), [], 'no violation');
    t.equal(status, 0, 'exit status 0');
    if (status !== 0) t.comment(output);
  });

  t.test('a rogue member holding the IPs statically makes the soak fail', async (t) => {
    const { status, result } = await runSoak(['--minutes', '0.5', '--seed', '20251', '--rogue']);
    t.equal(status, 1, 'exit status 1: violations');
    const invariants = new Set(result?.violations.map((v) => v.invariant));
    t.ok(invariants.has('dual-holder'), 'two holders outside any split window');
    t.ok(invariants.has('final-holders'), 'the rogue still holds after the final stop');
    t.ok(invariants.has('settle'), 'never a single holder');
  });
}
