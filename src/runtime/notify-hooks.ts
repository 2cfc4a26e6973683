/**
 * keepalived's `notify`: the operator's programs run on every state transition.
 *
 * - Never in the protocol's way: run() queues and returns at once; the programs run as child
 *   processes (child-process.ts), each killed (SIGKILL, its whole process group) after its
 *   timeoutMs.
 * - In order, one at a time per instance: the hooks of a transition run one after another, and
 *   a transition that arrives meanwhile waits its turn. None is dropped or merged: a hook that
 *   starts a service on MASTER and stops it on BACKUP must see both, in that order.
 * - What is appended to a hook's command is its `form`: ours, `NAME STATE PRIORITY`; keepalived's
 *   `notify`, `INSTANCE NAME STATE PRIORITY` with STOP where we say INIT (keepalived.conf(5):
 *   "$(n-1) = target state of transition ... MASTER|BACKUP|FAULT|STOP"); or nothing, as
 *   keepalived runs notify_master, notify_backup, notify_fault and notify_stop. Every form gets
 *   the IPFAILOVERD_* variables on top of the daemon's environment.
 * - A hook with `on` runs only for transitions to those states (keepalived's names: notify_stop
 *   is `on: ["STOP"]`, the instance stopping, our INIT), so per-state hooks share this one queue
 *   and keep their order with the others.
 * - A sync group's hooks get `GROUP name STATE`, keepalived's arguments for a vrrp_sync_group,
 *   whatever their form; `on` filters them as it does an instance's.
 * - Its output is logged line by line (stdout at info, stderr at warn) with the field `hook`,
 *   and how it ended at info (exit 0) or warn (anything else).
 */

import type { NotifyHookConfig, NotifyOn } from '../config/types.js';
import { describeOutcome, runProcess, succeeded, type RunProcess } from './child-process.js';
import { monotonicClock } from './clock.js';
import type { Logger } from './logger.js';

export type NotifyState = 'MASTER' | 'BACKUP' | 'FAULT' | 'INIT';

export interface NotifyEvent {
  readonly instance: string;
  readonly vrid: number;
  readonly state: NotifyState;
  readonly previous: string;
  /** The priority the instance advertises now (after tracking). */
  readonly priority: number;
  readonly reason: string;
}

/** A sync group's state changed (sync-group.ts): the group is MASTER, BACKUP or FAULT as a whole. */
export interface GroupNotifyEvent {
  readonly group: string;
  readonly state: NotifyState;
  readonly previous: string;
  /** The member transition that changed the group's state, as "instance: reason". */
  readonly reason: string;
}

/** keepalived's name for a state: it says STOP when an instance stops, where we say INIT. */
export function keepalivedState(state: NotifyState): NotifyOn {
  return state === 'INIT' ? 'STOP' : state;
}

/** Whether a hook runs for this event (its `on` filter, in keepalived's names). */
export function hookApplies(hook: NotifyHookConfig, event: NotifyEvent | GroupNotifyEvent): boolean {
  return hook.on === undefined || hook.on.includes(keepalivedState(event.state));
}

/** What the hook's form appends to its command. */
function appended(hook: NotifyHookConfig, event: NotifyEvent): string[] {
  const priority = String(event.priority);
  switch (hook.form ?? 'ipfailoverd') {
    case 'ipfailoverd':
      return [event.instance, event.state, priority];
    case 'keepalived':
      return ['INSTANCE', event.instance, keepalivedState(event.state), priority];
    case 'none':
      return [];
  }
}

/** The argv and environment of one hook for one event. Pure. */
export function hookInvocation(
  hook: NotifyHookConfig,
  event: NotifyEvent | GroupNotifyEvent,
  baseEnv: NodeJS.ProcessEnv,
): { argv: string[]; env: NodeJS.ProcessEnv } {
  if ('group' in event) {
    return {
      // keepalived's vrrp_sync_group notify arguments; `none` appends nothing, as its notify_* do.
      argv: [...hook.command, ...(hook.form === 'none' ? [] : ['GROUP', event.group, keepalivedState(event.state)])],
      env: {
        ...baseEnv,
        IPFAILOVERD_SYNC_GROUP: event.group,
        IPFAILOVERD_STATE: event.state,
        IPFAILOVERD_PREVIOUS_STATE: event.previous,
        IPFAILOVERD_REASON: event.reason,
      },
    };
  }
  return {
    argv: [...hook.command, ...appended(hook, event)],
    env: {
      ...baseEnv,
      IPFAILOVERD_INSTANCE: event.instance,
      IPFAILOVERD_VRID: String(event.vrid),
      IPFAILOVERD_STATE: event.state,
      IPFAILOVERD_PREVIOUS_STATE: event.previous,
      IPFAILOVERD_PRIORITY: String(event.priority),
      IPFAILOVERD_REASON: event.reason,
    },
  };
}

export class NotifyHooks {
  /** The tail of each instance's queue: resolves when its last queued transition is done. */
  private readonly queues = new Map<string, Promise<void>>();

  constructor(
    private hooks: readonly NotifyHookConfig[],
    private readonly log: Logger,
    private readonly spawnImpl: RunProcess = runProcess,
  ) {}

  /**
   * A reload changed the hook list: transitions queued from now on run the new one, in the same
   * queue, so that hooks of one instance still run in order and one at a time.
   */
  replace(hooks: readonly NotifyHookConfig[]): void {
    this.hooks = hooks;
  }

  /** Queues the hooks for a transition; returns at once. */
  run(event: NotifyEvent): void {
    this.enqueue(event.instance, event);
  }

  /** Queues the hooks for a sync group's change of state (sync-group.ts); returns at once. */
  runGroup(event: GroupNotifyEvent): void {
    this.enqueue(`group:${event.group}`, event);
  }

  private enqueue(key: string, event: NotifyEvent | GroupNotifyEvent): void {
    if (this.hooks.length === 0) return;
    const tail = this.queues.get(key) ?? Promise.resolve();
    const next = tail.then(() => this.runAll(event));
    this.queues.set(key, next);
    // Forget a queue once it has drained, so the map does not keep settled promises.
    void next.then(() => {
      if (this.queues.get(key) === next) this.queues.delete(key);
    });
  }

  /** Resolves once every transition queued so far has run its hooks (for shutdown and tests). */
  async idle(): Promise<void> {
    while (this.queues.size > 0) await Promise.all(this.queues.values());
  }

  private async runAll(event: NotifyEvent | GroupNotifyEvent): Promise<void> {
    for (const [index, hook] of this.hooks.entries()) {
      if (hookApplies(hook, event)) await this.runOne(hook, index, event);
    }
  }

  private async runOne(hook: NotifyHookConfig, index: number, event: NotifyEvent | GroupNotifyEvent): Promise<void> {
    const { argv, env } = hookInvocation(hook, event, process.env);
    const fields = { hook: hook.command[0], index, state: event.state };
    const started = monotonicClock.now();
    const outcome = await this.spawnImpl(argv, {
      timeoutMs: hook.timeoutMs,
      env,
      runAs: hook.runAs,
      onLine: (stream, line) => {
        if (stream === 'stdout') this.log.info({ ...fields, stream, line }, 'notify hook output');
        else this.log.warn({ ...fields, stream, line }, 'notify hook output');
      },
    }).catch((error: unknown) => ({ kind: 'spawn-error' as const, code: 'UNKNOWN', message: String(error) }));
    const done = { ...fields, outcome: describeOutcome(outcome), durationMs: Math.round(monotonicClock.now() - started) };
    if (succeeded(outcome)) this.log.info(done, 'notify hook finished');
    else this.log.warn(done, outcome.kind === 'timeout' ? 'notify hook timed out and was killed' : 'notify hook failed');
  }
}
