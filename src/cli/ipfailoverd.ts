#!/usr/bin/env node
// The ipfailoverd command: parse the command line (args.ts), then carry the
// command out. Output goes through process.stdout/stderr and the status
// through process.exitCode, so buffered output is flushed before exit.
import { readFile } from 'node:fs/promises';
import { formatIssue, loadConfigFile } from '../config/load.js';
import { checkConfig, reportConfigErrors } from './check-config.js';
import { cleanup } from './cleanup.js';
import { parseCliArgs } from './args.js';
import { EX_OK, EX_USAGE } from './exit-codes.js';
import { usageHint, usageText } from './usage.js';

const PROGRAM = 'ipfailoverd';

async function main(argv: readonly string[]): Promise<number> {
  const command = parseCliArgs(argv);
  switch (command.kind) {
    case 'help':
      process.stdout.write(usageText());
      return EX_OK;
    case 'version':
      process.stdout.write(`${PROGRAM} ${await readVersion()}\n`);
      return EX_OK;
    case 'usage-error':
      process.stderr.write(`${PROGRAM}: ${command.message}\n${usageHint()}\n`);
      return EX_USAGE;
    case 'check-config':
      return checkConfig(PROGRAM, command.file);
    case 'cleanup':
      return cleanup(PROGRAM, command.configFile);
    case 'run': {
      const result = await loadConfigFile(command.configFile);
      if (!result.ok) return reportConfigErrors(PROGRAM, command.configFile, result.errors);
      for (const warning of result.warnings) process.stderr.write(`${PROGRAM}: warning: ${formatIssue(warning)}\n`);
      const { runDaemon } = await import('../runtime/main.js');
      const { flushLogs } = await import('../runtime/logger.js');
      // Exit as soon as the daemon has stopped, even if a native handle lingers: a clean stop has
      // already released everything (a slow netlink queue gets up to 5 s, main.ts). The logs
      // are written asynchronously: the journal gets a moment (no more) to take the last lines.
      const status = await runDaemon(result.config, { configFile: command.configFile, version: await readVersion(), strictStartup: command.strictStartup });
      await flushLogs();
      process.exit(status);
    }
  }
}

// package.json sits three levels above this file once compiled
// (dist/src/cli/ipfailoverd.js), in the source tree and when installed.
async function readVersion(): Promise<string> {
  const manifest: unknown = JSON.parse(await readFile(new URL('../../../package.json', import.meta.url), 'utf8'));
  const version = (manifest as { version?: unknown }).version;
  return typeof version === 'string' ? version : 'unknown';
}

process.exitCode = await main(process.argv.slice(2));
