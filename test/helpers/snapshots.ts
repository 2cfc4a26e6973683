/** An instance snapshot as the daemon reports it (status, metrics), for tests and benchmarks. */

import { newCounters } from '../../src/runtime/counters.js';
import type { InstanceSnapshot } from '../../src/runtime/instance-driver.js';

export function snapshot(overrides: Partial<InstanceSnapshot> = {}): InstanceSnapshot {
  return {
    name: 'web',
    interface: 'eth0',
    vrid: 51,
    family: 4,
    state: 'BACKUP',
    priority: { configured: 100, effective: 100 },
    masterAddress: '192.0.2.9',
    sinceMonotonicMs: 0,
    reason: 'higher-priority',
    groupMaster: false,
    role: { expected: 'BACKUP', matches: true },
    steppedDown: false,
    syncGroup: null,
    waitingForSyncGroup: false,
    faults: [],
    addressesPending: 0,
    virtualAddresses: ['203.0.113.10/32'],
    counters: newCounters(),
    waitingForGroupMaster: null,
    groupMasterAddress: null,
    activeRouter: null,
    peers: [],
    otherVersions: [],
    ...overrides,
  };
}
