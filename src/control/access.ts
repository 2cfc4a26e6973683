/**
 * Who may do what on the status socket. Pure: the server hands in who connected and the admin
 * group's gid; the answer is allowed, or refused with a reason code and a message for the client.
 *
 * Reading needs nothing more than a connection: connecting is already the operators' check (the
 * socket is root's, group statusSocketGroup, mode 0660). Acting (step-down, resume, reload) moves
 * or holds the shared IP, so it needs root or the admin group, proven by the credentials the
 * kernel recorded at connect(2) (SO_PEERCRED), never by anything the client says. Without them
 * nobody acts.
 */

import type { PeerCredentials } from '../net/native.js';

export type CommandKind = 'read' | 'act';

/** One line per command. A command missing here is an act: a new command is closed until listed. */
const COMMAND_KINDS: ReadonlyMap<string, CommandKind> = new Map([
  ['status', 'read'],
  ['watch', 'read'],
  ['peers', 'read'],
  ['step-down', 'act'],
  ['resume', 'act'],
  ['reload', 'act'],
]);

export function commandKind(cmd: string): CommandKind {
  return COMMAND_KINDS.get(cmd) ?? 'act';
}

/** The default of statusSocketAdminGroup. */
export const DEFAULT_ADMIN_GROUP = 'ipfailoverd-admin';

/** Who is at the other end: the kernel's record of them, or why it could not be read. */
export type Peer = { readonly known: true; readonly credentials: PeerCredentials } | { readonly known: false; readonly why: string };

export interface AdminGroup {
  readonly name: string;
  /** Its gid now; undefined when the group does not exist (then only root acts). */
  readonly gid: number | undefined;
}

export const REFUSAL_REASONS = ['not-admin', 'no-admin-group', 'credentials-unknown'] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

/** Whether an error reply is a refusal for want of permission (its `reason`). */
export function isRefusal(reply: Record<string, unknown>): boolean {
  return (REFUSAL_REASONS as readonly unknown[]).includes(reply.reason);
}

export type Decision =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly reason: RefusalReason; readonly error: string };

/** The peer's gid and supplementary groups, each once: what a refusal tells the client. */
export function peerGroups(credentials: PeerCredentials): number[] {
  return [...new Set([credentials.gid, ...credentials.groups])];
}

export function authorize(cmd: string, peer: Peer, admin: AdminGroup): Decision {
  if (commandKind(cmd) === 'read') return { allowed: true };
  if (!peer.known) {
    return refuse('credentials-unknown', `${cmd} needs root or membership of group ${admin.name}, and your credentials could not be read (${peer.why})`);
  }
  const { uid } = peer.credentials;
  const groups = peerGroups(peer.credentials);
  if (uid === 0) return { allowed: true };
  if (admin.gid !== undefined && groups.includes(admin.gid)) return { allowed: true };
  const you = `you are uid ${uid} (groups ${groups.join(', ')})`;
  if (admin.gid === undefined) return refuse('no-admin-group', `${cmd} needs root (group ${admin.name} does not exist); ${you}`);
  return refuse('not-admin', `${cmd} needs root or membership of group ${admin.name}; ${you}`);
}

function refuse(reason: RefusalReason, error: string): Decision {
  return { allowed: false, reason, error };
}
