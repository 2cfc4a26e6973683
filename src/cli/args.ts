// Command line of ipfailoverd → what to do. Pure: no I/O, no process.exit,
// so every case is a unit test; ipfailoverd.ts carries the command out.
import { parseArgs } from 'node:util';

export type CliCommand =
  | { readonly kind: 'help' }
  | { readonly kind: 'version' }
  | { readonly kind: 'check-config'; readonly file: string }
  | { readonly kind: 'run'; readonly configFile: string; readonly strictStartup: boolean }
  | { readonly kind: 'cleanup'; readonly configFile: string }
  | { readonly kind: 'usage-error'; readonly message: string };

const OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
  'check-config': { type: 'string' },
  config: { type: 'string' },
  'strict-startup': { type: 'boolean' },
  cleanup: { type: 'boolean' },
} as const;

export function parseCliArgs(argv: readonly string[]): CliCommand {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: false, tokens: true });
  } catch (cause) {
    // node:util reports unknown options, missing values and stray arguments.
    return { kind: 'usage-error', message: cause instanceof Error ? cause.message : String(cause) };
  }
  const { values, tokens } = parsed;

  // Asking for help or the version is never an error, whatever else is given.
  if (values.help === true) return { kind: 'help' };
  if (values.version === true) return { kind: 'version' };

  const repeated = firstRepeatedOption(tokens);
  if (repeated !== undefined) return { kind: 'usage-error', message: `option --${repeated} given more than once` };

  const check = values['check-config'];
  const config = values.config;
  if (check !== undefined && config !== undefined) {
    return { kind: 'usage-error', message: '--check-config and --config cannot be combined' };
  }
  const strictStartup = values['strict-startup'] === true;
  if (strictStartup && config === undefined) return { kind: 'usage-error', message: '--strict-startup goes with --config' };
  if (values.cleanup === true) {
    if (check !== undefined) return { kind: 'usage-error', message: '--cleanup and --check-config cannot be combined' };
    if (config === undefined) return { kind: 'usage-error', message: '--cleanup needs --config FILE: it removes the virtual addresses FILE configures' };
    return withFile(config, '--config', (configFile) => ({ kind: 'cleanup', configFile }));
  }
  if (check !== undefined) return withFile(check, '--check-config', (file) => ({ kind: 'check-config', file }));
  if (config !== undefined) return withFile(config, '--config', (configFile) => ({ kind: 'run', configFile, strictStartup }));
  return { kind: 'usage-error', message: 'nothing to do: give --config FILE to run, or --check-config FILE to validate' };
}

function withFile(file: string, option: string, make: (file: string) => CliCommand): CliCommand {
  return file === '' ? { kind: 'usage-error', message: `${option} needs a file name` } : make(file);
}

function firstRepeatedOption(tokens: ReadonlyArray<{ kind: string; name?: string }>): string | undefined {
  const seen = new Set<string>();
  for (const token of tokens) {
    if (token.kind !== 'option' || token.name === undefined) continue;
    if (seen.has(token.name)) return token.name;
    seen.add(token.name);
  }
  return undefined;
}
