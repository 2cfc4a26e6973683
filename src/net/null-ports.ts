/**
 * Ports that do nothing: for an instance whose interface is missing (it waits in Fault, bound to
 * nothing, until the interface appears) and for the takeover rehearsal (runtime/warm-up.ts).
 */

import type { AddressPort, FrameSender, LinkInfo, VrrpTransport } from './ports.js';

export const nullTransport: VrrpTransport = {
  send: () => undefined,
  onPacket: () => undefined,
  onSendError: () => undefined,
  onReceiveError: () => undefined,
  kernelDrops: 0,
  drain: () => undefined,
  close: () => undefined,
};

export const nullFrames: FrameSender = { send: () => undefined, close: () => undefined };

export function nullAddresses(link: LinkInfo): AddressPort {
  return {
    getLink: async () => link,
    listAddresses: async () => [],
    addAddress: async () => undefined,
    deleteAddress: async () => undefined,
    watch: () => () => undefined,
    close: () => undefined,
  };
}

/** A stand-in for an interface that does not exist (yet): index 0 is never a real ifindex. */
export function absentLink(name: string): LinkInfo {
  return { ifindex: 0, name, mac: new Uint8Array(6), up: false, mtu: 0 };
}
