/**
 * Drives the rtnetlink AddressPort from inside a network namespace, for
 * test/integration/netlink-addresses.test.ts. A netlink socket belongs to the namespace of the
 * process that opens it, so the test starts this script with `ip netns exec NS node ...`.
 *
 * Protocol, one JSON object a line. In (stdin): { id, op, ...arguments }. Out (stdout):
 * { ready: true } once open; { id, ok: true, value } or { id, ok: false, code, operation } per
 * command; { change } per watched change. Addresses travel as text, MACs as "aa:bb:..".
 * Closing stdin closes the port; the process must then exit on its own, which the test checks.
 */

import { createInterface } from 'node:readline';
import { openAddressPort } from '../../../src/net/netlink-addresses.js';
import { NetError, type AddressEntry, type AddressPort, type LinkInfo, type NetlinkChange } from '../../../src/net/ports.js';
import { formatAddress, parseAddress, type IpFamily } from '../../../src/protocol/ip-address.js';

interface Command {
  readonly id: number;
  readonly op: 'getLink' | 'listAddresses' | 'addAddress' | 'deleteAddress' | 'rehearse' | 'watch' | 'unwatch';
  readonly name?: string;
  readonly ifindex?: number;
  readonly family?: IpFamily;
  readonly address?: string;
  readonly prefixLength?: number;
  readonly nodad?: boolean;
}

function send(line: unknown): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

function linkJson(link: LinkInfo): object {
  const mac = Array.from(link.mac, (byte) => byte.toString(16).padStart(2, '0')).join(':');
  return { ...link, mac };
}

function entryJson(entry: AddressEntry): object {
  return { ...entry, address: formatAddress(entry.address) };
}

function changeJson(change: NetlinkChange): object {
  return change.type === 'link' || change.type === 'link-removed' ? { type: change.type, link: linkJson(change.link) } : { type: change.type, entry: entryJson(change.entry) };
}

function bytes(text: string | undefined): Uint8Array {
  const parsed = parseAddress(text ?? '');
  if (parsed === null) throw new Error(`driver: bad address ${String(text)}`);
  return parsed;
}

async function run(port: AddressPort, command: Command, unwatch: { current: (() => void) | null }): Promise<unknown> {
  const { ifindex = 0, family = 4, prefixLength = 0 } = command;
  switch (command.op) {
    case 'getLink': {
      const link = await port.getLink(command.name ?? '');
      return link === null ? null : linkJson(link);
    }
    case 'listAddresses':
      return (await port.listAddresses(ifindex, family)).map(entryJson);
    case 'addAddress':
      return port.addAddress(ifindex, family, bytes(command.address), prefixLength, { nodad: command.nodad === true });
    case 'deleteAddress':
      return port.deleteAddress(ifindex, family, bytes(command.address), prefixLength);
    case 'rehearse':
      port.rehearse?.();
      return null;
    case 'watch':
      unwatch.current = port.watch((change) => send({ change: changeJson(change) }));
      return null;
    case 'unwatch':
      unwatch.current?.();
      unwatch.current = null;
      return null;
  }
}

async function main(): Promise<void> {
  const port = await openAddressPort({ onWatchError: (error) => process.stderr.write(`watch error: ${error.message}\n`) });
  const unwatch: { current: (() => void) | null } = { current: null };
  send({ ready: true });
  const lines = createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    const command = JSON.parse(line) as Command;
    run(port, command, unwatch).then(
      (value) => send({ id: command.id, ok: true, value: value ?? null }),
      (error: unknown) => {
        if (error instanceof NetError) send({ id: command.id, ok: false, code: error.code, operation: error.operation });
        else send({ id: command.id, ok: false, code: 'DRIVER', operation: String(error) });
      },
    );
  });
  lines.on('close', () => port.close());
}

main().catch((error: unknown) => {
  const code = error instanceof NetError ? error.code : 'DRIVER';
  send({ fatal: true, code, message: String(error) });
  process.exitCode = 1;
});
