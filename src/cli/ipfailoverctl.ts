#!/usr/bin/env node
// ipfailoverctl: the operator's command line. This version knows `check-config`; the commands
// that talk to a running daemon over its status socket come with the status socket itself.
import { checkConfig } from './check-config.js';
import { EX_OK, EX_USAGE } from './exit-codes.js';

const PROGRAM = 'ipfailoverctl';

const USAGE = `Usage: ${PROGRAM} COMMAND [ARGS]

Commands:
  check-config FILE   validate an ipfailoverd configuration file; exit 0, or 78 with every
                      error and its JSON path
  help                show this text
`;

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(USAGE);
    return EX_OK;
  }
  if (command === 'check-config' && rest.length === 1) return checkConfig(PROGRAM, rest[0] as string);
  process.stderr.write(`${PROGRAM}: ${command === undefined ? 'no command given' : `cannot run '${argv.join(' ')}'`}\n${USAGE}`);
  return EX_USAGE;
}

process.exitCode = await main(process.argv.slice(2));
