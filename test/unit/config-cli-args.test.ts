// The pure half of the command line: argv → command.
import t from 'tap';
import { parseCliArgs, type CliCommand } from '../../src/cli/args.js';

t.test('commands', async (t) => {
  const cases: Array<[string[], CliCommand]> = [
    [['--check-config', 'a.json'], { kind: 'check-config', file: 'a.json' }],
    [['--check-config=a.json'], { kind: 'check-config', file: 'a.json' }],
    [['--config', '/etc/ipfailoverd/config.json'], { kind: 'run', configFile: '/etc/ipfailoverd/config.json', strictStartup: false }],
    [['--config', 'a.json', '--strict-startup'], { kind: 'run', configFile: 'a.json', strictStartup: true }],
    [['--help'], { kind: 'help' }],
    [['-h'], { kind: 'help' }],
    [['--version'], { kind: 'version' }],
    [['--config', 'a.json', '--help'], { kind: 'help' }],
    [['--cleanup', '--config', '/etc/ipfailoverd/config.json'], { kind: 'cleanup', configFile: '/etc/ipfailoverd/config.json' }],
    [['--config=a.json', '--cleanup'], { kind: 'cleanup', configFile: 'a.json' }],
  ];
  for (const [argv, expected] of cases) t.same(parseCliArgs(argv), expected, argv.join(' '));
});

t.test('usage errors say what is wrong', async (t) => {
  const cases: Array<[string[], string]> = [
    [[], 'nothing to do'],
    [['--frobnicate'], "'--frobnicate'"],
    [['--check-config'], "'--check-config <value>' argument missing"],
    [['--check-config='], '--check-config needs a file name'],
    [['--config', 'a.json', '--check-config', 'b.json'], 'cannot be combined'],
    [['--config', 'a.json', '--config', 'b.json'], '--config given more than once'],
    [['a.json'], "'a.json'"],
    [['--strict-startup', '--check-config', 'a.json'], '--strict-startup goes with --config'],
    [['--cleanup'], '--cleanup needs --config FILE'],
    [['--cleanup', '--check-config', 'a.json'], '--cleanup and --check-config cannot be combined'],
    [['--cleanup', '--config='], '--config needs a file name'],
    [['--cleanup', '--cleanup', '--config', 'a.json'], '--cleanup given more than once'],
  ];
  for (const [argv, message] of cases) {
    const command = parseCliArgs(argv);
    t.equal(command.kind, 'usage-error', argv.join(' '));
    if (command.kind === 'usage-error') t.match(command.message, message, argv.join(' '));
  }
});
