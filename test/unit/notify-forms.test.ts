// Notify hooks called the way keepalived calls them: `form` (what is appended to the command) and
// `on` (the states a hook runs for, keepalived's names), the STOP a keepalived-form hook sees when
// the daemon stops, and the configuration's checks of both, at their JSON paths.
import t from 'tap';
import { validateConfig } from '../../src/config/load.js';
import type { DaemonConfig, NotifyHookConfig } from '../../src/config/types.js';
import { activeDownIntervalMs } from '../../src/protocol/timers.js';
import type { RunProcess } from '../../src/runtime/child-process.js';
import { Daemon, type DaemonPorts } from '../../src/runtime/daemon.js';
import { hookInvocation, NotifyHooks, type NotifyEvent, type NotifyState } from '../../src/runtime/notify-hooks.js';
import { Scheduler } from '../../src/runtime/scheduler.js';
import { ip } from '../helpers/addresses.js';
import { acceptedConfig, configWith, errorsOf, hasIssue, instance } from '../helpers/config-documents.js';
import { FakeAddresses, FakeFrames, FakeTransport, LINK, memoryLogger, Recorder } from '../helpers/fake-ports.js';
import { FakeTime } from '../helpers/fake-time.js';

const event = (state: NotifyState): NotifyEvent => ({ instance: 'web', vrid: 51, state, previous: 'BACKUP', priority: 150, reason: 'test' });
const STATES: NotifyState[] = ['MASTER', 'BACKUP', 'FAULT', 'INIT'];

t.test('the arguments of each form, for each state', async (t) => {
  const command = ['/etc/keepalived/notify.sh', 'extra'];
  const expected: Record<string, Record<NotifyState, string[]>> = {
    ipfailoverd: {
      MASTER: ['web', 'MASTER', '150'],
      BACKUP: ['web', 'BACKUP', '150'],
      FAULT: ['web', 'FAULT', '150'],
      INIT: ['web', 'INIT', '150'],
    },
    // keepalived.conf(5): `notify` gets "GROUP"|"INSTANCE", the name, the target state
    // (MASTER|BACKUP|FAULT|STOP) and the priority after its configured arguments.
    keepalived: {
      MASTER: ['INSTANCE', 'web', 'MASTER', '150'],
      BACKUP: ['INSTANCE', 'web', 'BACKUP', '150'],
      FAULT: ['INSTANCE', 'web', 'FAULT', '150'],
      INIT: ['INSTANCE', 'web', 'STOP', '150'],
    },
    // notify_master and the others: nothing appended.
    none: { MASTER: [], BACKUP: [], FAULT: [], INIT: [] },
  };
  for (const [form, byState] of Object.entries(expected)) {
    for (const state of STATES) {
      const hook = { command, timeoutMs: 1000, form } as NotifyHookConfig;
      t.same(hookInvocation(hook, event(state), {}).argv, [...command, ...byState[state]], `${form} ${state}`);
      t.equal(hookInvocation(hook, event(state), {}).env['IPFAILOVERD_STATE'], state, `${form} ${state}: the environment is the same for every form`);
    }
  }
  t.same(hookInvocation({ command, timeoutMs: 1000 }, event('MASTER'), {}).argv, [...command, 'web', 'MASTER', '150'], 'no form: ours');
});

/** A NotifyHooks whose processes are recorded, not run; each ends at once. */
function recording(hooks: NotifyHookConfig[]) {
  const argvs: string[][] = [];
  const spawn: RunProcess = (argv) => {
    argvs.push([...argv]);
    return Promise.resolve({ kind: 'exit', code: 0 });
  };
  return { argvs, notify: new NotifyHooks(hooks, memoryLogger().log, spawn) };
}

t.test('`on` limits a hook to transitions to those states (STOP: the instance stops); the others keep their order', async (t) => {
  const { argvs, notify } = recording([
    { command: ['/to_master.sh'], timeoutMs: 1000, form: 'none', on: ['MASTER'] },
    { command: ['/to_backup_or_fault.sh'], timeoutMs: 1000, form: 'none', on: ['BACKUP', 'FAULT'] },
    { command: ['/on_stop.sh'], timeoutMs: 1000, form: 'none', on: ['STOP'] },
    { command: ['/notify.sh'], timeoutMs: 1000, form: 'keepalived' },
  ]);
  for (const state of STATES) notify.run(event(state));
  await notify.idle();
  t.same(argvs, [
    ['/to_master.sh'],
    ['/notify.sh', 'INSTANCE', 'web', 'MASTER', '150'],
    ['/to_backup_or_fault.sh'],
    ['/notify.sh', 'INSTANCE', 'web', 'BACKUP', '150'],
    ['/to_backup_or_fault.sh'],
    ['/notify.sh', 'INSTANCE', 'web', 'FAULT', '150'],
    ['/on_stop.sh'],
    ['/notify.sh', 'INSTANCE', 'web', 'STOP', '150'],
  ]);
});

function daemonConfig(notify: unknown[]): DaemonConfig {
  const result = validateConfig({
    instances: [{ name: 'web', interface: 'eth0', vrid: 51, priority: 150, advertIntervalMs: 100, virtualAddresses: ['203.0.113.10/32'], notify }],
  });
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.config;
}

t.test('a master that stops runs its keepalived-form hook with STOP and its notify_stop-style hook, before stop() resolves', async (t) => {
  const time = new FakeTime();
  const recorder = new Recorder();
  const addresses = new FakeAddresses(recorder, LINK);
  addresses.present.push({ ifindex: LINK.ifindex, family: 4, address: ip('192.0.2.1'), prefixLength: 24, scope: 'global', secondary: false, tentative: false });
  const config = daemonConfig([
    { command: ['/notify.sh'], form: 'keepalived' },
    { command: ['/stop.sh'], form: 'none', on: ['STOP'] },
  ]);
  const { argvs, notify } = recording([...(config.instances[0]?.notify ?? [])]);
  const ports: DaemonPorts = {
    addresses,
    scheduler: new Scheduler(time, time),
    log: memoryLogger().log,
    openTransport: () => new FakeTransport(recorder),
    openFrameSender: () => new FakeFrames(recorder),
    prepareInterface: () => undefined,
    createHooks: () => notify,
  };
  const daemon = await Daemon.start(config, ports);
  // In 10 ms steps, letting the fake netlink answer in between (as the kernel does in microseconds).
  for (let at = 10; at <= activeDownIntervalMs(100, 150) + 10; at += 10) {
    time.advanceTo(at);
    await new Promise(setImmediate);
  }
  t.equal(daemon.instance('web')?.current.name, 'active');
  await daemon.stop();
  t.same(argvs, [
    ['/notify.sh', 'INSTANCE', 'web', 'BACKUP', '150'],
    ['/notify.sh', 'INSTANCE', 'web', 'MASTER', '150'],
    ['/notify.sh', 'INSTANCE', 'web', 'STOP', '150'],
    ['/stop.sh'],
  ]);
});

t.test('form and on: defaults, and bad values reported at their JSON paths', async (t) => {
  const { config } = acceptedConfig(configWith(instance({ notify: [{ command: ['/n.sh'] }] })));
  t.equal(config.instances[0]?.notify[0]?.form, 'ipfailoverd', 'the default form is ours');
  t.equal(config.instances[0]?.notify[0]?.on, undefined, 'no filter: every transition');
  hasIssue(t, errorsOf(t, configWith(instance({ notify: [{ command: ['/n.sh'], form: 'keepalive' }] }))), '/instances/0/notify/0/form', 'schema.enum', 'keepalived');
  hasIssue(t, errorsOf(t, configWith(instance({ notify: [{ command: ['/n.sh'], on: ['INIT'] }] }))), '/instances/0/notify/0/on/0', 'schema.enum', 'STOP');
  hasIssue(t, errorsOf(t, configWith(instance({ notify: [{ command: ['/n.sh'], on: [] }] }))), '/instances/0/notify/0/on', 'schema.minItems', 'fewer than 1');
  hasIssue(t, errorsOf(t, configWith(instance({ notify: [{ command: ['/n.sh'], on: ['MASTER', 'MASTER'] }] }))), '/instances/0/notify/0/on', 'schema.uniqueItems', 'duplicate');
});
