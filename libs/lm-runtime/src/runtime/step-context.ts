import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * What every forward step a call causes carries into the step scheduler: its priority (read at
 * each step, so a waiting request of a higher priority can raise a running one's) and the token
 * that drops it (a judgement made stale by a newer event).
 */
export interface StepContext {
  readonly priority: () => number;
  readonly signal?: AbortSignal;
}

const store = new AsyncLocalStorage<StepContext>();

/** The steps' context of the current call (priority 0, no signal, outside any). */
export function currentStepContext(): StepContext {
  return store.getStore() ?? { priority: () => 0 };
}

/**
 * Runs `fn` with every forward step it causes (across awaits) at priority `priority`: the next
 * step's batch is formed from the highest priority waiting. Nested calls keep the outer signal
 * and the higher of the two priorities.
 */
export function withStepPriority<T>(priority: number, fn: () => Promise<T>): Promise<T> {
  const outer = store.getStore();
  const outerPriority = outer?.priority;
  return store.run(
    {
      ...outer,
      priority: outerPriority ? () => Math.max(priority, outerPriority()) : () => priority,
    },
    fn,
  );
}

/**
 * Runs `fn` with its steps dropped once `signal` aborts: a queued step is rejected with the
 * signal's reason, a running one's result is discarded. The outer priority is kept; priority
 * may be a function read at every step.
 */
export function withStepSignal<T>(
  signal: AbortSignal | undefined,
  fn: () => Promise<T>,
  priority?: () => number,
): Promise<T> {
  const outer = store.getStore();
  return store.run(
    {
      priority: priority ?? outer?.priority ?? (() => 0),
      ...(signal ? { signal } : {}),
    },
    fn,
  );
}

/** Why `signal` aborted, as an Error (its reason when that is one). */
export function abortReason(signal: AbortSignal): Error {
  const r: unknown = signal.reason;
  return r instanceof Error ? r : new Error(`aborted: ${String(r)}`);
}
