/**
 * Faults done to a member's link, all in the hub namespace (the provider's switch):
 * - partition: its bridge port down, so the member's eth0 loses carrier (NO-CARRIER);
 * - isolation: carrier stays up but the bridge drops every frame from and to the port
 *   (nftables, bridge family): a real split brain;
 * - loss: the bridge drops a share of the frames from and to the port at random (nftables'
 *   `numgen random`; this kernel has no netem and no tc gact);
 * - recreate-interface: the veth pair deleted (the member's eth0 vanishes) and, after a while,
 *   created again with the same names, MAC and addresses (a new ifindex), plugged in again.
 */

import { plugMember } from '../integration/helpers/topology.js';
import { sleep } from './daemon-faults.js';
import type { Lab } from './lab.js';

export async function partition(lab: Lab, member: number, holdMs: number): Promise<string> {
  await lab.hub('ip', 'link', 'set', `p${member}`, 'down');
  await sleep(holdMs);
  await lab.hub('ip', 'link', 'set', `p${member}`, 'up');
  return `bridge port p${member} down for ${holdMs} ms`;
}

/** Rules that drop frames from and to port pN, all of them or `percent` % at random. */
async function dropRules(lab: Lab, member: number, percent: number | undefined): Promise<void> {
  const random = percent === undefined ? [] : ['numgen', 'random', 'mod', '100', '<', String(percent)];
  for (const direction of ['iifname', 'oifname']) {
    await lab.hub('nft', 'add', 'rule', 'bridge', 'chaos', 'forwarding', direction, `p${member}`, ...random, 'drop');
  }
}

async function dropFor(lab: Lab, member: number, percent: number | undefined, holdMs: number): Promise<void> {
  await dropRules(lab, member, percent);
  await sleep(holdMs);
  await lab.hub('nft', 'flush', 'chain', 'bridge', 'chaos', 'forwarding');
}

export async function isolate(lab: Lab, member: number, holdMs: number): Promise<string> {
  await dropFor(lab, member, undefined, holdMs);
  return `bridge drops every frame of p${member} for ${holdMs} ms (carrier up)`;
}

export async function loss(lab: Lab, member: number, percent: number, holdMs: number): Promise<string> {
  await dropFor(lab, member, percent, holdMs);
  return `bridge drops ${percent} % of p${member}'s frames each way for ${holdMs} ms`;
}

export async function recreateInterface(lab: Lab, member: number, holdMs: number): Promise<string> {
  // Deleting one end of a veth pair deletes both: the member's eth0 goes with it.
  await lab.hub('ip', 'link', 'del', `p${member}`);
  await sleep(holdMs);
  await plugMember(lab.cluster.topology.hub, lab.member(member));
  return `eth0 deleted, created again after ${holdMs} ms (same name, MAC, addresses; new ifindex)`;
}
