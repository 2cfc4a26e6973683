/**
 * keepalived (the Debian package, /usr/sbin/keepalived) as a benchmark peer, run as the interop
 * tests run it (test/interop/helpers/keepalived.ts): as its own package's unit does, with no
 * scheduling settings. Its CPU and memory are those of both its processes (the parent and the
 * VRRP child that does the protocol).
 */

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { KeepalivedProcess, type KeepalivedInstance } from '../interop/helpers/keepalived.js';
import type { Member } from '../integration/helpers/topology.js';
import { until, type Implementation, type InstanceSpec, type PeerState, type RunningPeer } from './peer.js';

function keepalivedInstance(spec: InstanceSpec): KeepalivedInstance {
  // keepalived takes VRRPv3 intervals in seconds, fractions allowed (0.01 = 1 cs).
  return { name: spec.name, vrid: spec.vrid, priority: spec.priority, advertInt: spec.intervalMs / 1000, virtualAddresses: [spec.vip] };
}

class RunningKeepalived implements RunningPeer {
  constructor(
    private readonly process: KeepalivedProcess,
    private readonly names: readonly string[],
  ) {}

  pids(): number[] {
    const pids = this.process.child.pid === undefined ? [] : [this.process.child.pid];
    try {
      pids.push(this.process.vrrpPid());
    } catch {
      // The VRRP child has not written its pid yet.
    }
    return pids;
  }

  async ready(timeoutMs: number): Promise<void> {
    await until(
      `keepalived on m${this.process.member.index} to start ${this.names.length} instance(s)`,
      () => {
        if (!this.process.running) throw new Error(`keepalived exited:\n${this.process.tail(20)}`);
        return this.process.allStates().size >= this.names.length;
      },
      timeoutMs,
    );
    // The VRRP child's pid file is written by then; wait for it all the same.
    await until('the VRRP child pid file', () => this.pids().length === 2, timeoutMs);
  }

  async waitState(instance: string, state: PeerState, timeoutMs: number): Promise<void> {
    await until(`keepalived (${instance}) ${state}`, () => this.process.allStates().get(instance) === state, timeoutMs);
  }

  crash(): Promise<void> {
    return this.process.crash();
  }

  release(): Promise<void> {
    return this.process.stop();
  }

  kill(): Promise<void> {
    return this.process.kill();
  }
}

export function keepalived(dir: string): Implementation {
  let started = 0;
  return {
    name: 'keepalived',
    start(member: Member, instances: readonly InstanceSpec[]): RunningPeer {
      const [first, ...rest] = instances.map(keepalivedInstance);
      if (first === undefined) throw new Error('keepalived: no instances');
      // A fresh folder name per start: the pid files of a process still exiting are not reused.
      const own = join(dir, `${++started}`);
      return new RunningKeepalived(new KeepalivedProcess(member, mkdir(own), [first, ...rest]), instances.map((i) => i.name));
    },
  };
}

function mkdir(path: string): string {
  mkdirSync(path, { recursive: true });
  return path;
}
