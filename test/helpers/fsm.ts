/** Drives the pure state machine in tests: given events at times, the states and actions. */

import { initialState, step } from '../../src/protocol/fsm.js';
import type { FsmAction, FsmEvent, InstanceParams, InstanceState } from '../../src/protocol/fsm-types.js';
import { ip } from './addresses.js';

export const LOCAL = ip('192.0.2.2');
export const LOWER_PEER = ip('192.0.2.1');
export const HIGHER_PEER = ip('192.0.2.3');

export function params(overrides: Partial<InstanceParams> = {}): InstanceParams {
  return {
    priority: 100,
    advertIntervalCs: 100,
    preempt: true,
    preemptDelayMs: 0,
    startupDelayMs: 0,
    acceptMode: false,
    groupMaster: false,
    groupMasterWaitMs: 0,
    primaryAddress: LOCAL,
    ...overrides,
  };
}

export interface Run {
  state: InstanceState;
  /** Actions of the last event only. */
  actions: readonly FsmAction[];
}

/** Feeds the events in order from the initial state (or a given one); returns the last step. */
export function run(p: InstanceParams, events: readonly FsmEvent[], from?: InstanceState): Run {
  let state = from ?? initialState(p, 0);
  let actions: readonly FsmAction[] = [];
  for (const event of events) ({ state, actions } = step(p, state, event));
  return { state, actions };
}

export function advert(priority: number, from: Uint8Array, now: number, intervalCs = 100): FsmEvent {
  return { type: 'advert', adv: { priority, maxAdvertIntervalCs: intervalCs }, from, now };
}

/** A Backup that started at t=0 (default params: Active_Down_Interval 3609.375 ms). */
export function backup(p: InstanceParams): InstanceState {
  return run(p, [{ type: 'startup', now: 0 }]).state;
}

/** An Active router that took over at t=4000 after hearing nobody. */
export function active(p: InstanceParams): InstanceState {
  const first = backup(p);
  const at = first.timers.activeDown as number;
  return run(p, [{ type: 'timer', timer: 'activeDown', now: at }], first).state;
}

export function types(actions: readonly FsmAction[]): string[] {
  return actions.map((a) => a.type);
}
