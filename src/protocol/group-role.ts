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
