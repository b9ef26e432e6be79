import { Injectable } from '@nestjs/common';
import { AsyncMutex } from '@risk/platform';

/** A turn of the engine lock that goes ahead of routine ones: news, which a desk waits for. */
export const URGENT = 1;

interface Waiter {
  priority: number;
  seq: number;
  /** Turns granted ahead of it while it waited. */
  passed: number;
  start(): void;
}

/**
 * A waiting turn lets at most this many urgent turns go ahead of it: news first, but a flush
 * still advances while stories keep coming (three news partitions at once would otherwise
 * always have an urgent turn waiting, and a flush would never finish: bench:scale, 2,000
 * portfolios).
 */
const MAX_PASSED = 2;

/**
 * The engine lock: every read-decide-commit of portfolio state runs inside it. The language
 * model never runs inside it (its judgements are taken between two critical sections). Turns
 * are granted by priority, then in order: a news item's turns (`URGENT`) go ahead of the turns
 * of a flush waiting in line, so news waits for at most the turn in progress (a flush takes its
 * portfolios a chunk per turn) — except that a turn waits behind at most `MAX_PASSED` others
 * that came after it.
 */
@Injectable()
export class EngineLock {
  private held = false;
  private seq = 0;
  private readonly waiting: Waiter[] = [];

  run<T>(fn: () => Promise<T>, priority = 0): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const start = (): void => {
        this.held = true;
        let result: Promise<T>;
        try {
          result = fn();
        } catch (e) {
          result = Promise.reject(e instanceof Error ? e : new Error(String(e)));
        }
        void result.then(resolve, reject).finally(() => this.release());
      };
      if (!this.held) start();
      else this.waiting.push({ priority, seq: this.seq++, passed: 0, start });
    });
  }

  private release(): void {
    this.held = false;
    if (this.waiting.length === 0) return;
    // The oldest waiter, unless it may still be passed: then the most urgent, oldest first.
    let best = 0;
    for (let i = 1; i < this.waiting.length; i++)
      if (this.waiting[i].seq < this.waiting[best].seq) best = i;
    if (this.waiting[best].passed < MAX_PASSED) {
      for (let i = 0; i < this.waiting.length; i++) {
        const w = this.waiting[i];
        const b = this.waiting[best];
        if (w.priority > b.priority || (w.priority === b.priority && w.seq < b.seq)) best = i;
      }
    }
    const [next] = this.waiting.splice(best, 1);
    for (const w of this.waiting) if (w.seq < next.seq) w.passed++;
    next.start();
  }
}

/** Flushes one at a time, so their tick offsets commit in order. */
@Injectable()
export class FlushLock extends AsyncMutex {}
