/**
 * The composition root: real adapters, the one scheduler, signals. `ipfailoverd --config FILE`
 * ends up here with a validated configuration.
 */

import type { DaemonConfig } from '../config/types.js';
import { missingCapabilities } from '../net/capabilities.js';
import { prepareInterfaceSysctls } from '../net/interface-sysctl.js';
import { Ipv4VrrpTransport } from '../net/ipv4-transport.js';
import { Ipv6VrrpTransport } from '../net/ipv6-transport.js';
import { openAddressPort } from '../net/netlink-addresses.js';
import { PacketFrameSender } from '../net/packet-socket.js';
import { NetError } from '../net/ports.js';
import { Daemon } from './daemon.js';
import { createLogger, type Logger } from './logger.js';
import { Scheduler } from './scheduler.js';
import { StartupError } from './startup-error.js';

/** SIGTERM must end the process within a second (issue contract; systemd waits longer). */
const STOP_DEADLINE_MS = 900;

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

/** Runs until SIGTERM/SIGINT; resolves with the exit status. */
export async function runDaemon(config: DaemonConfig, log: Logger = createLogger(config.log.level)): Promise<number> {
  const missing = missingCapabilities();
  if (missing.length > 0) {
    log.fatal({ missing }, capabilityMessage(missing));
    return 77;
  }
  const scheduler = new Scheduler();
  let daemon: Daemon;
  try {
    const addresses = await openAddressPort({ onWatchError: (error) => log.warn({ err: error.message }, 'netlink watch error; state re-read') });
    try {
      daemon = await Daemon.start(config, {
        addresses,
        scheduler,
        log,
        openTransport: (link, family, multicast) =>
          family === 4
            ? new Ipv4VrrpTransport({ ifname: link.name, ifindex: link.ifindex, multicast })
            : new Ipv6VrrpTransport({ ifname: link.name, ifindex: link.ifindex, multicast }),
        openFrameSender: (link) => new PacketFrameSender(link.ifindex),
        prepareInterface: (link, family) => prepareInterfaceSysctls(link.name, family),
      });
    } catch (error) {
      addresses.close();
      throw error;
    }
    const stopAddresses = () => addresses.close();
    return await new Promise<number>((resolve) => {
      const stop = (signal: NodeJS.Signals) => {
        log.info({ signal }, 'stopping: masters release with priority 0 and remove their addresses');
        // Whatever happens, the process ends in time; a clean stop ends it sooner.
        setTimeout(() => resolve(0), STOP_DEADLINE_MS).unref();
        daemon.stop().then(
          () => {
            stopAddresses();
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
  } catch (error) {
    const problem = asStartupError(error);
    log.fatal({ problem: problem.problem }, problem.message);
    scheduler.clear();
    return problem.exitCode;
  }
}
