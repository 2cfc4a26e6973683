/**
 * `ipfailoverd --cleanup`: removes the configured virtual addresses that are still on their
 * interfaces, and nothing else. The unit runs it as ExecStopPost=, after the main process has
 * exited for whatever reason (a clean stop, a crash, SIGKILL, a watchdog kill), so that the
 * failover IP never outlives the daemon: a VM whose daemon is gone must not answer ARP for an
 * address a backup is about to take (two NICs answering for the failover IP is the worst
 * outcome there is).
 *
 * What is removed: every copy of a configured virtual address on the instance's interface,
 * whatever its prefix length (the kernel deletes an address only with the length it has, and a
 * DHCP client may have put the failover IP there as a /24). What is kept: every other address,
 * and the addresses of an owner (priority 255, RFC 9568 §6.1: "the IP address owner"), which
 * are its own. An interface that does not exist holds nothing: there is nothing to do.
 *
 * After the deletes the interface is read again: the cleanup succeeds only when none of the
 * addresses is left, so that a delete that seemed to succeed but did not is reported too.
 */

import type { DaemonConfig, InstanceConfig } from '../config/types.js';
import { NetError, type AddressEntry, type AddressPort } from '../net/ports.js';
import { formatAddress, sameAddress } from '../protocol/ip-address.js';
import { OWNER_PRIORITY } from '../protocol/receive-checks.js';
import { configuredBytes } from './configured-address.js';

interface Failure {
  readonly code: string;
  readonly message: string;
}

/** Passes over the leftovers before giving up; a delete races nothing but a DHCP client. */
const DEFAULT_PASSES = 3;
const DEFAULT_PAUSE_MS = 200;

export interface CleanupOptions {
  readonly passes?: number;
  /** Between passes; tests pass one that returns at once. */
  readonly pause?: () => Promise<void>;
}

export interface RemovedAddress {
  readonly instance: string;
  readonly interface: string;
  readonly address: string;
  readonly prefixLength: number;
}

export interface CleanupProblem {
  readonly instance: string;
  readonly interface: string;
  /** The address still present, when the problem is one address. */
  readonly address?: string;
  readonly prefixLength?: number;
  /** errno name of the last failure (EPERM, ETIMEDOUT …), or 'still-present'. */
  readonly code: string;
  readonly message: string;
}

export interface CleanupReport {
  readonly removed: readonly RemovedAddress[];
  /** Empty when every configured virtual address is gone from its interface. */
  readonly problems: readonly CleanupProblem[];
  /** Instances whose interface does not exist (nothing to remove there). */
  readonly missingInterfaces: readonly { readonly instance: string; readonly interface: string }[];
  /** Owners (priority 255), whose addresses stay. */
  readonly owners: readonly string[];
}

/** The entries of `present` that are copies of one of `addresses`, at any prefix length. */
export function copiesOf(present: readonly AddressEntry[], addresses: readonly Uint8Array[]): AddressEntry[] {
  return present.filter((entry) => addresses.some((bytes) => sameAddress(entry.address, bytes)));
}

export async function removeVirtualAddresses(config: DaemonConfig, port: AddressPort, options: CleanupOptions = {}): Promise<CleanupReport> {
  const removed: RemovedAddress[] = [];
  const problems: CleanupProblem[] = [];
  const missingInterfaces: Array<{ instance: string; interface: string }> = [];
  const owners: string[] = [];
  for (const instance of config.instances) {
    if (instance.priority === OWNER_PRIORITY) {
      owners.push(instance.name);
      continue;
    }
    const outcome = await cleanInstance(instance, port, options);
    if (outcome === 'interface-missing') missingInterfaces.push({ instance: instance.name, interface: instance.interface });
    else {
      removed.push(...outcome.removed);
      problems.push(...outcome.problems);
    }
  }
  return { removed, problems, missingInterfaces, owners };
}

async function cleanInstance(
  instance: InstanceConfig,
  port: AddressPort,
  options: CleanupOptions,
): Promise<'interface-missing' | { removed: RemovedAddress[]; problems: CleanupProblem[] }> {
  const where = { instance: instance.name, interface: instance.interface };
  const vips = instance.virtualAddresses.map((prefix) => configuredBytes(prefix.address));
  const removed: RemovedAddress[] = [];
  const failures = new Map<string, Failure>();
  const passes = options.passes ?? DEFAULT_PASSES;
  const pause = options.pause ?? (() => new Promise<void>((resolve) => setTimeout(resolve, DEFAULT_PAUSE_MS)));
  let left: AddressEntry[] = [];
  try {
    const link = await port.getLink(instance.interface);
    if (link === null) return 'interface-missing';
    const read = async () => copiesOf(await port.listAddresses(link.ifindex, instance.family), vips);
    left = await read();
    for (let pass = 0; pass < passes && left.length > 0; pass++) {
      if (pass > 0) await pause();
      for (const entry of left) {
        try {
          await port.deleteAddress(link.ifindex, entry.family, entry.address, entry.prefixLength);
          failures.delete(keyOf(entry));
        } catch (error) {
          failures.set(keyOf(entry), failureOf(error, `delete ${keyOf(entry)} from ${instance.interface}`));
        }
      }
      const before = left;
      left = await read();
      for (const entry of before) {
        if (!left.some((e) => sameEntry(e, entry))) removed.push({ ...where, address: formatAddress(entry.address), prefixLength: entry.prefixLength });
      }
    }
  } catch (error) {
    // The link lookup or a dump failed: what is left cannot even be known.
    return { removed, problems: [{ ...where, ...failureOf(error, `read the addresses of ${instance.interface}`) }] };
  }
  const problems = left.map((entry): CleanupProblem => {
    const failure = failures.get(keyOf(entry));
    return {
      ...where,
      address: formatAddress(entry.address),
      prefixLength: entry.prefixLength,
      code: failure?.code ?? 'still-present',
      message: failure?.message ?? `${keyOf(entry)} is still on ${instance.interface} after ${passes} attempts`,
    };
  });
  return { removed, problems };
}

function keyOf(entry: AddressEntry): string {
  return `${formatAddress(entry.address)}/${entry.prefixLength}`;
}

function sameEntry(a: AddressEntry, b: AddressEntry): boolean {
  return a.prefixLength === b.prefixLength && sameAddress(a.address, b.address);
}

/** Ports throw NetErrors; anything else (our own bug) is reported rather than lost. */
function failureOf(error: unknown, operation: string): Failure {
  return error instanceof NetError ? { code: error.code, message: error.message } : { code: 'EIO', message: `${operation}: ${String(error)}` };
}
