/**
 * The daemon's answers to the status socket: status (every instance with its counters, and
 * every receive socket with what it read and dropped before any instance saw it), peers (the
 * routers each instance hears, and its Active router), watch
 * (transitions as they happen), step-down / resume of one instance, reload.
 */

import type { ControlHandler } from '../control/status-server.js';
import type { Request } from '../control/protocol.js';
import type { Daemon } from './daemon.js';
import type { PeerReport } from './group-view.js';
import type { InstanceSnapshot, TransitionRecord } from './instance-driver.js';
import { wallClockMs } from './clock.js';
import { STATE_LABEL } from './logger.js';

export interface DaemonInfo {
  readonly version: string;
  readonly configFile: string;
  readonly startedAt: string;
}

/** Monotonic milliseconds → wall-clock ISO time, for people. */
function isoTime(monotonicMs: number): string {
  return new Date(wallClockMs(monotonicMs)).toISOString();
}

function present(snapshot: InstanceSnapshot): Record<string, unknown> {
  const { sinceMonotonicMs, peers, ...rest } = snapshot;
  return { ...rest, since: isoTime(sinceMonotonicMs), peers: peers.map((p) => presentPeer(p)) };
}

function presentPeer(peer: PeerReport): Record<string, unknown> {
  const { firstHeardMonotonicMs, lastHeardMonotonicMs, ...rest } = peer;
  return { ...rest, firstHeard: isoTime(firstHeardMonotonicMs), lastHeard: isoTime(lastHeardMonotonicMs) };
}

/** What `peers` shows of an instance: who it is, whom it follows, whom it hears. */
function presentGroup(snapshot: InstanceSnapshot): Record<string, unknown> {
  const { name, interface: iface, vrid, family, state, groupMaster, groupMasterAddress, activeRouter, peers } = snapshot;
  return { name, interface: iface, vrid, family, state, priority: snapshot.priority, groupMaster, groupMasterAddress, activeRouter, peers: peers.map((p) => presentPeer(p)) };
}

export function controlHandler(
  daemon: () => Daemon,
  info: DaemonInfo,
  reload: () => Promise<Record<string, unknown>>,
): ControlHandler {
  return {
    async handle(request: Exclude<Request, { cmd: 'watch' }>) {
      switch (request.cmd) {
        case 'status':
          return { daemon: { pid: process.pid, ...info }, instances: daemon().snapshot().map((s) => present(s)), sockets: daemon().sockets() };
        case 'peers':
          return { instances: daemon().snapshot().map((s) => presentGroup(s)) };
        case 'step-down':
        case 'resume': {
          // Through the daemon: the hold is kept across reloads and restarts until resume.
          const driver = request.cmd === 'step-down' ? daemon().stepDown(request.instance) : daemon().resume(request.instance);
          if (driver === undefined) throw new Error(`no instance named ${request.instance}`);
          return { instance: present(driver.snapshot()) };
        }
        case 'reload':
          return reload();
      }
    },
    watch(send) {
      return daemon().onTransition((record: TransitionRecord) =>
        send({
          event: 'transition',
          instance: record.instance,
          from: STATE_LABEL[record.from],
          to: STATE_LABEL[record.to],
          reason: record.reason,
          time: isoTime(record.at),
        }),
      );
    },
  };
}
