export interface BatchSchedulerOptions<I = unknown> {
  /** Most requests per batch. */
  readonly maxBatch: number;
  /** Longest a request waits for others before its batch runs. */
  readonly maxWaitMs: number;
  /**
   * Whether a request may join a batch (e.g. padding would waste too much); one that may not
   * waits, in order, for a later batch.
   */
  readonly compatible?: (batch: readonly I[], item: I) => boolean;
}

interface Pending<I, O> {
  readonly item: I;
  /** Higher runs first; equal priorities in submission order. */
  readonly priority: number;
  resolve(value: O): void;
  reject(reason: unknown): void;
}

/**
 * Collects concurrent requests into batches for one runner call: a batch starts when it is full
 * or when its oldest request has waited maxWaitMs; one batch runs at a time (the session already
 * uses every core), and requests that arrive meanwhile form the next batch.
 */
export class BatchScheduler<I, O> {
  private queue: Pending<I, O>[] = [];
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private running = false;
  private readonly batchSizes: number[] = [];

  constructor(
    private readonly runner: (items: I[]) => Promise<O[]>,
    private readonly options: BatchSchedulerOptions<I>,
  ) {
    if (!(options.maxBatch >= 1)) throw new RangeError('maxBatch must be >= 1');
  }

  /** Sizes of the batches run so far (for metrics and tests). */
  get history(): readonly number[] {
    return this.batchSizes;
  }

  /**
   * Queues a request. The next batch starts from the oldest request of the highest priority
   * waiting (a request someone waits for before routine work); the others join it when compatible.
   */
  submit(item: I, priority = 0): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, priority, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.running) return;
    if (this.queue.length >= this.options.maxBatch) {
      this.clearTimer();
      void this.flush();
      return;
    }
    if (this.queue.length > 0 && !this.timer && !this.immediate) {
      const fire = (): void => {
        this.timer = undefined;
        this.immediate = undefined;
        void this.flush();
      };
      // With no wait, setImmediate still lets requests submitted in the same turn join the
      // batch, without the >= 1 ms of a zero timeout.
      if (this.options.maxWaitMs <= 0) this.immediate = setImmediate(fire);
      else this.timer = setTimeout(fire, this.options.maxWaitMs);
    }
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
  }

  /**
   * The oldest request of the highest priority, then every other compatible one (highest
   * priority first, then in order), up to maxBatch.
   */
  private take(): Pending<I, O>[] {
    const { compatible, maxBatch } = this.options;
    // Stable: equal priorities keep their submission order.
    const ordered = this.queue.some((p) => p.priority !== this.queue[0].priority)
      ? [...this.queue].sort((a, b) => b.priority - a.priority)
      : this.queue;
    if (!compatible) {
      const batch = ordered.slice(0, maxBatch);
      const taken = new Set(batch);
      this.queue = this.queue.filter((p) => !taken.has(p));
      return batch;
    }
    const batch: Pending<I, O>[] = [];
    const items: I[] = [];
    for (const p of ordered) {
      if (batch.length < maxBatch && (batch.length === 0 || compatible(items, p.item))) {
        batch.push(p);
        items.push(p.item);
      }
    }
    const taken = new Set(batch);
    this.queue = this.queue.filter((p) => !taken.has(p));
    return batch;
  }

  private async flush(): Promise<void> {
    if (this.running || this.queue.length === 0) return;
    this.running = true;
    const batch = this.take();
    this.batchSizes.push(batch.length);
    try {
      const out = await this.runner(batch.map((p) => p.item));
      if (out.length !== batch.length) throw new Error('batch runner returned a wrong count');
      batch.forEach((p, i) => p.resolve(out[i]));
    } catch (err) {
      batch.forEach((p) => p.reject(err));
    } finally {
      this.running = false;
      // Requests queued while running have already waited: run them now.
      if (this.queue.length > 0) {
        this.clearTimer();
        void this.flush();
      }
    }
  }
}
