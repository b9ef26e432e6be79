import { abortReason } from './step-context';

/** A call the limiter dropped (its `key`, a portfolio, and its `kind`) before it finished. */
export abstract class DroppedCallError extends Error {
  abstract readonly code: string;
  constructor(
    readonly key: string,
    readonly kind: string,
    message: string,
  ) {
    super(message);
  }
}

/** The outcome of a call made stale by a newer one of the same key and kind. */
export class SupersededError extends DroppedCallError {
  override readonly name = 'SupersededError';
  readonly code = 'SUPERSEDED' as const;
  constructor(key: string, kind: string) {
    super(key, kind, `${kind} call for ${key} superseded by a newer one`);
  }
}

export const isSuperseded = (e: unknown): e is SupersededError => e instanceof SupersededError;

/**
 * The outcome of a call its caller stopped waiting for: its deadline passed before it finished
 * (queued: it never runs; running: its remaining steps are dropped).
 */
export class DeadlineError extends DroppedCallError {
  override readonly name = 'DeadlineError';
  readonly code = 'DEADLINE' as const;
  constructor(
    key: string,
    kind: string,
    readonly budgetMs: number,
  ) {
    super(key, kind, `${kind} call for ${key} past its deadline (${budgetMs} ms)`);
  }
}

export const isPastDeadline = (e: unknown): e is DeadlineError => e instanceof DeadlineError;

interface Ticket {
  readonly key: string;
  readonly kind: string;
  readonly seq: number;
  /** The call's own priority; `effective` may be raised by a waiter of its key. */
  readonly priority: number;
  effective: number;
  readonly controller: AbortController;
  running: boolean;
  start(): void;
}

/**
 * Admission of model calls per key (a portfolio): at most `maxPerKey` in flight at once, the
 * others waiting by priority then age; a newer call of the same key and kind supersedes the
 * older one, which is aborted (queued: never runs; running: its remaining steps are dropped)
 * and rejects with `SupersededError`. While a call of a higher priority waits for a key's slot,
 * the running calls of that key run at its priority (no priority inversion behind a slot).
 */
export class InFlightLimiter {
  private readonly tickets = new Map<string, Ticket[]>();
  private seq = 0;
  private supersededCount = 0;
  private pastDeadlineCount = 0;

  constructor(readonly maxPerKey: number) {
    if (!(maxPerKey >= 1)) throw new RangeError('maxPerKey must be >= 1');
  }

  /** Calls superseded so far. */
  get superseded(): number {
    return this.supersededCount;
  }

  /** Calls dropped at their deadline so far. */
  get pastDeadline(): number {
    return this.pastDeadlineCount;
  }

  /** Calls of `key` running or waiting. */
  inFlight(key: string): { running: number; waiting: number } {
    const ts = this.tickets.get(key) ?? [];
    const running = ts.filter((t) => t.running).length;
    return { running, waiting: ts.length - running };
  }

  /**
   * Runs `fn` once `key` has a free slot. `fn` gets the signal that aborts when a newer call
   * of the same key and kind arrives, and the priority to run its steps at (read at each step).
   * With a `deadline` (a `performance.now()` time), the call is aborted when it passes and
   * rejects with `DeadlineError`; one already past never runs.
   */
  run<T>(
    key: string,
    kind: string,
    priority: number,
    fn: (signal: AbortSignal, priority: () => number) => Promise<T>,
    deadline?: { at: number; budgetMs: number },
  ): Promise<T> {
    this.supersede(key, kind);
    if (deadline && deadline.at <= performance.now()) {
      this.pastDeadlineCount++;
      return Promise.reject(new DeadlineError(key, kind, deadline.budgetMs));
    }
    return new Promise<T>((resolve, reject) => {
      const controller = new AbortController();
      const timer = deadline
        ? setTimeout(() => {
            if (controller.signal.aborted) return;
            this.pastDeadlineCount++;
            controller.abort(new DeadlineError(key, kind, deadline.budgetMs));
          }, deadline.at - performance.now())
        : undefined;
      const settle = () => clearTimeout(timer);
      const ticket: Ticket = {
        key,
        kind,
        seq: this.seq++,
        priority,
        effective: priority,
        controller,
        running: false,
        start: () => {
          ticket.running = true;
          controller.signal.removeEventListener('abort', dropQueued);
          let call: Promise<T>;
          try {
            call = fn(controller.signal, () => ticket.effective);
          } catch (e) {
            call = Promise.reject(e instanceof Error ? e : new Error(String(e)));
          }
          const { signal } = controller;
          // The caller stops waiting at its deadline; the call's slot is freed when it stops.
          signal.addEventListener(
            'abort',
            () => {
              if (isPastDeadline(signal.reason)) reject(signal.reason);
            },
            { once: true },
          );
          call.then(
            (v) => {
              settle();
              if (signal.aborted) reject(abortReason(signal));
              else resolve(v);
            },
            (e: unknown) => {
              settle();
              reject(
                signal.aborted
                  ? abortReason(signal)
                  : e instanceof Error
                    ? e
                    : new Error(String(e)),
              );
            },
          );
          void call.catch(() => undefined).finally(() => this.leave(ticket));
        },
      };
      const dropQueued = (): void => {
        settle();
        this.leave(ticket);
        reject(abortReason(controller.signal));
      };
      controller.signal.addEventListener('abort', dropQueued, { once: true });
      const list = this.tickets.get(key) ?? [];
      list.push(ticket);
      this.tickets.set(key, list);
      this.admit(key);
    });
  }

  /**
   * A newer event for `key` of `kind` arrived: its calls in flight are stale. Returns how many
   * were aborted.
   */
  supersede(key: string, kind: string): number {
    const stale = (this.tickets.get(key) ?? []).filter(
      (t) => t.kind === kind && !t.controller.signal.aborted,
    );
    for (const t of stale) {
      this.supersededCount++;
      t.controller.abort(new SupersededError(key, kind));
    }
    return stale.length;
  }

  private leave(ticket: Ticket): void {
    const list = this.tickets.get(ticket.key);
    if (!list) return;
    const i = list.indexOf(ticket);
    if (i < 0) return;
    list.splice(i, 1);
    if (list.length === 0) this.tickets.delete(ticket.key);
    else this.admit(ticket.key);
  }

  /** Starts the key's waiting calls while slots are free; raises running ones for waiters. */
  private admit(key: string): void {
    const list = this.tickets.get(key);
    if (!list) return;
    const waiting = list
      .filter((t) => !t.running)
      .sort((a, b) => b.priority - a.priority || a.seq - b.seq);
    let running = list.length - waiting.length;
    for (const t of waiting) {
      if (running >= this.maxPerKey) break;
      running++;
      t.start();
    }
    const top = Math.max(-Infinity, ...list.filter((t) => !t.running).map((t) => t.priority));
    for (const t of list) if (t.running) t.effective = Math.max(t.priority, top);
  }
}
