import { abortReason } from './step-context';
import { planStep, type WaitingStep } from './step-plan';

export interface BatchSchedulerOptions<I = unknown, O = unknown> {
  /** Most requests per batch. */
  readonly maxBatch: number;
  /** Longest the first request of an idle scheduler waits for others before its step runs. */
  readonly maxWaitMs: number;
  /**
   * Whether a request may join a batch (e.g. padding would waste too much); one that may not
   * waits for a later step.
   */
  readonly compatible?: (batch: readonly I[], item: I) => boolean;
  /** The running batch a request continues (see `planStep`). */
  readonly group?: (item: I) => unknown;
  /** Lower priorities never fill a step that higher ones lead (see `planStep`). */
  readonly strict?: boolean;
  /**
   * A request that has waited this many steps counts one priority higher (and one more per
   * as many again): under a flood of higher-priority steps, lower ones still advance.
   */
  readonly agingSteps?: number;
  /** Called with the result of a request aborted while its step ran (frees what it holds). */
  readonly discard?: (out: O) => void;
}

export interface SubmitOptions {
  /** Higher runs first; a function is read at every step (a running call can be raised). */
  readonly priority?: number | (() => number);
  /** Aborted: the request is dropped (queued) or its result discarded (running). */
  readonly signal?: AbortSignal;
}

interface Pending<I, O> {
  readonly item: I;
  readonly priority: () => number;
  readonly seq: number;
  /** Steps run before it was queued. */
  readonly step: number;
  readonly signal?: AbortSignal;
  resolve(value: O): void;
  reject(reason: Error): void;
}

/**
 * Continuous batching at step granularity (as vLLM's scheduler): a loop runs one forward step
 * at a time (the session already uses every core), and forms each step's batch from every
 * request waiting at that moment. Before forming it, the loop yields once, so the sequences
 * whose step just finished submit their next step and stay in the batch; requests that arrived
 * meanwhile join; sequences that finished simply do not come back. A request whose signal
 * aborts leaves the queue at once, rejected with the signal's reason.
 */
export class BatchScheduler<I, O> {
  private queue: Pending<I, O>[] = [];
  private seq = 0;
  private looping = false;
  private readonly batchSizes: number[] = [];
  private droppedCount = 0;

  constructor(
    private readonly runner: (items: I[]) => Promise<O[]>,
    private readonly options: BatchSchedulerOptions<I, O>,
  ) {
    if (!(options.maxBatch >= 1)) throw new RangeError('maxBatch must be >= 1');
  }

  /** Sizes of the batches run so far (for metrics and tests). */
  get history(): readonly number[] {
    return this.batchSizes;
  }

  /** Requests dropped because their signal aborted (queued or running). */
  get dropped(): number {
    return this.droppedCount;
  }

  /** Requests waiting for a step. */
  get waiting(): number {
    return this.queue.length;
  }

  /** Queues a request for the next step; `opts` a number is its priority. */
  submit(item: I, opts: number | SubmitOptions = {}): Promise<O> {
    const o: SubmitOptions = typeof opts === 'number' ? { priority: opts } : opts;
    const p = o.priority ?? 0;
    const priority = typeof p === 'function' ? p : () => p;
    return new Promise<O>((resolve, reject) => {
      const signal = o.signal;
      if (signal?.aborted) {
        this.droppedCount++;
        reject(abortReason(signal));
        return;
      }
      const onAbort = (): void => {
        const i = this.queue.indexOf(pending);
        if (signal && i >= 0) {
          this.queue.splice(i, 1);
          this.droppedCount++;
          reject(abortReason(signal));
        }
      };
      const pending: Pending<I, O> = {
        item,
        priority,
        seq: this.seq++,
        step: this.batchSizes.length,
        ...(signal ? { signal } : {}),
        resolve: (v) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(v);
        },
        reject: (e) => {
          signal?.removeEventListener('abort', onAbort);
          reject(e);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(pending);
      if (!this.looping) void this.loop();
      else if (this.queue.length >= this.options.maxBatch) this.fill?.();
    });
  }

  private async loop(): Promise<void> {
    this.looping = true;
    try {
      // The first step of a burst waits for its batch to fill (maxWaitMs; 0: the requests of
      // the same event-loop turn); later steps only let the last step's sequences come back.
      if (this.queue.length < this.options.maxBatch) await this.pause(this.options.maxWaitMs);
      while (this.queue.length > 0) {
        await this.step(this.take());
        await this.pause(0);
      }
    } finally {
      this.looping = false;
    }
  }

  /** Ends the first step's wait early, once a full batch waits. */
  private fill: (() => void) | undefined;

  private pause(ms: number): Promise<void> {
    if (ms <= 0) return new Promise((r) => setImmediate(r));
    return new Promise<void>((r) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        r();
      }
      this.fill = done;
    }).finally(() => (this.fill = undefined));
  }

  private take(): Pending<I, O>[] {
    const aging = this.options.agingSteps;
    const steps = this.batchSizes.length;
    const waiting: (WaitingStep<I> & { p: Pending<I, O> })[] = this.queue.map((p) => ({
      item: p.item,
      priority: p.priority() + (aging ? Math.floor((steps - p.step) / aging) : 0),
      seq: p.seq,
      p,
    }));
    const chosen = planStep(waiting, this.options) as typeof waiting;
    const taken = new Set(chosen.map((w) => w.p));
    this.queue = this.queue.filter((p) => !taken.has(p));
    return chosen.map((w) => w.p);
  }

  private async step(batch: Pending<I, O>[]): Promise<void> {
    this.batchSizes.push(batch.length);
    try {
      const out = await this.runner(batch.map((p) => p.item));
      if (out.length !== batch.length) throw new Error('batch runner returned a wrong count');
      batch.forEach((p, i) => {
        if (p.signal?.aborted) {
          this.droppedCount++;
          this.options.discard?.(out[i]);
          p.reject(abortReason(p.signal));
        } else p.resolve(out[i]);
      });
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      batch.forEach((p) => p.reject(e));
    }
  }
}
