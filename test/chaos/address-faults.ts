/**
 * Faults done by hand to the failover IP itself, as a confused operator or a provider agent
 * would: the address deleted on the member that holds it, or a copy added on one that does not.
 * One-off actions: healed as soon as done; the daemons must put things right by themselves.
 */

import { inNs } from '../integration/helpers/topology.js';
import { PREFIX, VIPS, type Lab } from './lab.js';
import type { Family } from './model.js';

export async function deleteVip(lab: Lab, member: number, family: Family): Promise<string> {
  // It fails only if the member did not hold it: the quiet-time checks have reported that.
  const done = await inNs(lab.member(member).ns, 'ip', 'addr', 'del', `${VIPS[family]}/${PREFIX[family]}`, 'dev', 'eth0').then(() => true, () => false);
  return `${VIPS[family]} deleted by hand${done ? '' : ' (it was not there)'}`;
}

export async function addCopy(lab: Lab, member: number, family: Family): Promise<string> {
  const nodad = family === 'v6' ? ['nodad'] : [];
  const done = await inNs(lab.member(member).ns, 'ip', 'addr', 'add', `${VIPS[family]}/${PREFIX[family]}`, 'dev', 'eth0', ...nodad).then(() => true, () => false);
  return `copy of ${VIPS[family]} added by hand${done ? '' : ' (it was there already)'}`;
}
