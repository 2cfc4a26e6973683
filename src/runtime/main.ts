/**
 * The composition root: real adapters, the one scheduler, the status socket, systemd
 * notifications and signals. `ipfailoverd --config FILE` ends up here with a validated
 * configuration.
 */

import { formatIssue, loadConfigFile } from '../config/load.js';
import type { DaemonConfig } from '../config/types.js';
import { listenStatusSocket, type ListenResult } from '../control/status-server.js';
import { missingCapabilities } from '../net/capabilities.js';
import { prepareInterfaceSysctls } from '../net/interface-sysctl.js';
import { Ipv4VrrpTransport } from '../net/ipv4-transport.js';
import { Ipv6VrrpTransport } from '../net/ipv6-transport.js';
import { sendNotify } from '../net/native.js';
import { openAddressPort } from '../net/netlink-addresses.js';
import { PacketFrameSender } from '../net/packet-socket.js';
import { NetError, type AddressPort } from '../net/ports.js';
import { controlHandler } from './control-handler.js';
import { Daemon, type DaemonPorts } from './daemon.js';
import { NotifyHooks } from './notify-hooks.js';
import { InstanceHealth } from './tracking/instance-health.js';
import { createLogger, type Logger } from './logger.js';
import { refusalLog } from './refusal-log.js';
import { HoldStore, stateDirectory } from './hold-store.js';
import type { MetricsCollector } from './metrics-collector.js';
import { MetricsServer } from './metrics-server.js';
import { Scheduler } from './scheduler.js';
import { SerialQueue } from './serial-queue.js';
import { childCapabilityMessage, missingForConfig } from './script-privileges.js';
import { StartupError } from './startup-error.js';
import { statusLine, SystemdNotifier } from './systemd-notify.js';

/**
 * A clean stop takes a few milliseconds. A slow netlink queue gets time to remove the addresses
 * (a delete that fails is retried until this deadline); whatever is left then, the unit's
 * ExecStopPost= cleanup removes (ipfailoverd --cleanup). Below TimeoutStopSec=10s.
 */
const STOP_DEADLINE_MS = 5_000;
/** How long a stop waits for a reload in flight to finish. */
const RELOAD_WAIT_MS = 1_000;
/** systemd's STATUS= line follows transitions this much later at most (coalesced, see below). */
const STATUS_COALESCE_MS = 50;
const STATUS_KEY = 'daemon/status-line';

export interface RunOptions {
  readonly configFile: string;
  readonly version: string;
  /** Exit 69 if an interface or its source address is missing at start (see --strict-startup). */
  readonly strictStartup?: boolean;
}

function capabilityMessage(names: readonly string[]): string {
  return `ipfailoverd needs ${names.join(' and ')} (run as root, or with AmbientCapabilities=CAP_NET_RAW CAP_NET_ADMIN)`;
}

function asStartupError(error: unknown): StartupError {
  if (error instanceof StartupError) return error;
  if (error instanceof NetError && error.code === 'EPERM') {
    return new StartupError('capability', `${error.message}: ${capabilityMessage(['CAP_NET_RAW', 'CAP_NET_ADMIN'])}`, { cause: error });
  }
  return new StartupError('network', error instanceof Error ? error.message : String(error), { cause: error });
}

function realPorts(addresses: AddressPort, scheduler: Scheduler, log: Logger, config: DaemonConfig): DaemonPorts {
  return {
    addresses,
    scheduler,
    log,
    holds: new HoldStore(stateDirectory(config.stateDirectory), log),
    // Every socket joins the group on its interface: a reload may add a multicast instance, and
    // unicast instances drop what does not come from their peers anyway.
    openTransport: (link, family) =>
      family === 4
        ? new Ipv4VrrpTransport({ ifname: link.name, ifindex: link.ifindex, multicast: true })
        : new Ipv6VrrpTransport({ ifname: link.name, ifindex: link.ifindex, multicast: true }),
    openFrameSender: (link) => new PacketFrameSender(link.ifindex),
    createTracking: (config, instanceLog, onChange) => new InstanceHealth(config.track, { scheduler, log: instanceLog, instance: config.name }, onChange),
    createHooks: (config, instanceLog) => new NotifyHooks(config.notify, instanceLog),
    createGroupHooks: (group, groupLog) => new NotifyHooks(group.notify, groupLog),
    prepareInterface: (link, family) => {
      try {
        prepareInterfaceSysctls(link.name, family);
      } catch (error) {
        // Under systemd's ProtectKernelTunables the package's sysctl.d file sets it instead.
        log.debug({ err: String(error), interface: link.name }, 'promote_secondaries not set here');
      }
    },
  };
}

/** Runs until SIGTERM/SIGINT; resolves with the exit status. */
export async function runDaemon(config: DaemonConfig, options: RunOptions, log: Logger = createLogger(config.log.level)): Promise<number> {
  const missing = missingCapabilities();
  if (missing.length > 0) {
    log.fatal({ missing }, capabilityMessage(missing));
    return 77;
  }
  // Never run a check or hook with capabilities, nor as the wrong user: refuse to start instead.
  const missingForChildren = missingForConfig(config);
  if (missingForChildren.length > 0) {
    log.fatal({ problem: 'child-capability', missing: missingForChildren }, childCapabilityMessage(missingForChildren));
    return 77;
  }
  const scheduler = new Scheduler();
  const notifier = new SystemdNotifier(sendNotify, log);
  let addresses: AddressPort | undefined;
  let daemon: Daemon | undefined;
  try {
    addresses = await openAddressPort({
      onWatchError: (error) => {
        log.warn({ err: error.message }, 'netlink watch error; state re-read, masters re-add their addresses');
        daemon?.resync();
      },
    });
    daemon = await Daemon.start(config, realPorts(addresses, scheduler, log, config), { strict: options.strictStartup === true });
  } catch (error) {
    addresses?.close();
    const problem = asStartupError(error);
    log.fatal({ problem: problem.problem }, problem.message);
    scheduler.clear();
    return problem.exitCode;
  }

  const running: Daemon = daemon;
  // Loaded and made at the first scrape: a daemon without metrics neither loads prom-client
  // (about 100 ms of start-up on a busy machine) nor runs an event-loop monitor for it.
  let collector: Promise<MetricsCollector> | undefined;
  const scrape = async (): Promise<{ contentType: string; body: string }> => {
    collector ??= import('./metrics-collector.js').then(({ MetricsCollector, viewOf }) => new MetricsCollector(() => viewOf(running), { defaultMetrics: true }));
    return (await collector).scrape();
  };
  const metrics = new MetricsServer(scrape, { scheduler, log });
  await metrics.configure(config.metrics?.listen);
  const summary = () => statusLine(running.states());
  // One STATUS= per STATUS_COALESCE_MS at most, however many instances move: with 255 instances
  // a line built on every transition cost O(instances²) in a group-wide change (a start, a
  // split), time taken from the timers of the very instances that were moving.
  running.onTransition(() => {
    if (scheduler.has(STATUS_KEY)) return;
    scheduler.schedule(STATUS_KEY, scheduler.now() + STATUS_COALESCE_MS, () => notifier.status(summary()));
  });

  // Reloads run one at a time, each reading the file when its turn comes (serial-queue.ts).
  const reloads = new SerialQueue();
  let stopping = false;
  const reloadOnce = async (): Promise<Record<string, unknown>> => {
    if (stopping) throw new Error('stopping: no reload');
    notifier.reloading();
    try {
      const result = await loadConfigFile(options.configFile);
      if (!result.ok) {
        for (const issue of result.errors) log.error({ path: issue.path, code: issue.code }, `reload rejected: ${formatIssue(issue)}`);
        throw new Error(`${options.configFile}: ${result.errors.length} error(s); the running configuration is kept: ${result.errors.map(formatIssue).join('; ')}`);
      }
      const lacking = missingForConfig(result.config);
      if (lacking.length > 0) throw new Error(`${options.configFile}: the running configuration is kept: ${childCapabilityMessage(lacking)}`);
      const { plan, failed } = await running.reload(result.config);
      // A stop that began meanwhile has closed the endpoint: it stays closed.
      if (!stopping) await metrics.configure(result.config.metrics?.listen);
      log.level = result.config.log.level;
      log.info({ ...plan, failed }, 'configuration reloaded');
      for (const failure of failed) log.error(failure, `reload: instance ${failure.instance} not started`);
      return { plan, failed };
    } finally {
      // After STOPPING=1 systemd must not hear READY=1 again.
      if (!stopping) notifier.ready(summary());
    }
  };
  const reload = (): Promise<Record<string, unknown>> => (stopping ? Promise.reject(new Error('stopping: no reload')) : reloads.run(reloadOnce));

  let statusSocket: ListenResult | undefined;
  try {
    statusSocket = await listenStatusSocket(
      config.statusSocket,
      config.statusSocketGroup,
      controlHandler(() => running, { version: options.version, configFile: options.configFile, startedAt: new Date().toISOString() }, reload),
      { adminGroup: config.statusSocketAdminGroup, onRefused: refusalLog(log, () => scheduler.now()) },
    );
    log.info({ statusSocket: statusSocket.origin }, 'status socket ready');
    for (const warning of statusSocket.warnings) log.warn(warning);
  } catch (error) {
    // The protocol runs on without it; an operator still has the journal.
    log.error({ err: String(error), statusSocket: config.statusSocket }, 'status socket not available');
  }

  notifier.ready(summary());
  notifier.startWatchdog(scheduler);

  return new Promise<number>((resolve) => {
    process.on('SIGHUP', () => {
      reload().catch((error: unknown) => log.error({ err: String(error) }, 'reload failed'));
    });
    const stop = (signal: NodeJS.Signals): void => {
      log.info({ signal }, 'stopping: masters release with priority 0 and remove their addresses');
      stopping = true;
      notifier.stopping();
      notifier.stopWatchdog(scheduler);
      statusSocket?.close();
      void metrics.close();
      // Whatever happens, the process ends in time; a clean stop ends it sooner.
      setTimeout(() => resolve(0), STOP_DEADLINE_MS).unref();
      // A reload in flight finishes first (queued ones refuse): otherwise it would start
      // instances after the stop.
      // A reload stuck on a delete that keeps failing must not cost the masters their clean
      // release: the stop goes ahead after RELOAD_WAIT_MS (the reload adds nothing after it).
      const reloadDone = new Promise<void>((settle) => {
        setTimeout(settle, RELOAD_WAIT_MS).unref();
        void reloads.idle().then(settle);
      });
      reloadDone.then(() => running.stop()).then(
        () => {
          addresses?.close();
          resolve(0);
        },
        (error: unknown) => {
          log.error({ err: String(error) }, 'error while stopping');
          resolve(0);
        },
      );
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}
