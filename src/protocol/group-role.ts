/**
 * Whether a member's role matches what its IP failover group expects. At initial provisioning
 * the provider requires the group's configured master to be the VRRP master; later the master
 * may move freely, so a mismatch is reported, never corrected by force.
 */

import type { StateName } from './fsm-types.js';

export type ExpectedRole = 'master' | 'backup';

export interface RoleReport {
  readonly expected: ExpectedRole;
  readonly actual: StateName;
  readonly matches: boolean;
}

export function groupRole(groupMaster: boolean, state: StateName): RoleReport {
  const expected: ExpectedRole = groupMaster ? 'master' : 'backup';
  const isMaster = state === 'active';
  return { expected, actual: state, matches: groupMaster === isMaster };
}

/** What a member knows of its group's configured master (addresses as formatAddress() writes them). */
export interface GroupKnowledge {
  /** This member is the configured master. */
  readonly groupMaster: boolean;
  /** The configured master's address, on members that set groupMasterAddress. */
  readonly groupMasterAddress: string | undefined;
  /** This member's own primary address. */
  readonly self: string;
}

/**
 * Whether the Active router at `active` is the group's configured master: null when this member
 * cannot tell (it is not the configured master and does not know its address).
 */
export function activeIsGroupMaster(group: GroupKnowledge, active: string): boolean | null {
  if (active === group.self) return group.groupMaster;
  if (group.groupMaster) return false;
  return group.groupMasterAddress === undefined ? null : active === group.groupMasterAddress;
}
