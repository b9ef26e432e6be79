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
 *
 * A commit's PostgreSQL work runs outside the lock (`commit`): its portfolios are reserved
 * instead, from the turn that decided it until its new states are installed, so the lock is free
 * while PostgreSQL writes (bench:scale: the engine's main thread sat idle a quarter of the time,
 * every other turn waiting behind a commit's I/O). A turn that would commit a reserved portfolio
 * waits, outside the lock, for that commit to end, then decides again from the state it left.
 * A routine commit also waits once for the urgent commits writing at that moment, so a story's
 * evaluations do not share PostgreSQL with a flush part that started after them.
 */
@Injectable()
export class EngineLock {
  private held = false;
  private seq = 0;
  private readonly waiting: Waiter[] = [];
  /** Portfolios whose commit is in flight, and its end (settled, never rejected). */
  private readonly reserved = new Map<string, Promise<void>>();
  /** The ends of urgent commits whose I/O is in flight. */
  private readonly urgentIo = new Set<Promise<void>>();

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

  /**
   * A commit of `ids` whose I/O runs outside the lock. In a turn (at `priority`) in which none
   * of `ids` has a commit in flight, `decide` makes the final decisions from the portfolios'
   * states now and returns the I/O: it must install the new states itself, right after
   * PostgreSQL commits (`ids` stay reserved until it returns). Resolves when the turn ends, to
   * the I/O's end (wrapped: the caller chooses when to wait for it).
   */
  async commit<T>(
    ids: readonly string[],
    decide: () => Promise<() => Promise<T>>,
    priority = 0,
  ): Promise<{ done: Promise<T> }> {
    let yielded = false;
    for (;;) {
      const turn = await this.run<{ busy: Promise<void> } | { done: Promise<T> }>(async () => {
        const busy = this.busy(ids);
        if (busy) return { busy };
        // A routine commit lets the urgent ones writing now finish first, once (PostgreSQL
        // shares its 2 cores: bench:scale, 2,000 portfolios, a story's commit took ~400 ms
        // beside the flush's); urgent commits starting after that do not hold it up again.
        if (priority < URGENT && !yielded && this.urgentIo.size > 0) {
          yielded = true;
          return { busy: Promise.all(this.urgentIo).then(() => undefined) };
        }
        const io = await decide();
        return { done: this.reserve(ids, io, priority) };
      }, priority);
      if ('done' in turn) return turn;
      await turn.busy;
    }
  }

  /**
   * As `commit`, for those of `ids` without a commit in flight now: in a turn, `decide` gets
   * them (when there are any) and returns the I/O; the others are returned as `busy`, with the
   * end of their commits in flight (`free`) to wait for before trying them again. A story's
   * holders need not all wait for the flush part that holds a few of them (bench:scale at 2,000
   * portfolios: the commit's turn took ~1 s on average).
   */
  async commitFree<T>(
    ids: readonly string[],
    decide: (free: readonly string[]) => Promise<() => Promise<T>>,
    priority = 0,
  ): Promise<{ done: Promise<T> | null; busy: string[]; free: Promise<void> }> {
    return this.run(async () => {
      const busy = ids.filter((id) => this.reserved.has(id));
      const free = ids.filter((id) => !this.reserved.has(id));
      const ends = this.busy(busy) ?? Promise.resolve();
      if (free.length === 0) return { done: null, busy, free: ends };
      const io = await decide(free);
      return { done: this.reserve(free, io, priority), busy, free: ends };
    }, priority);
  }

  /**
   * The end of the commits in flight for `ids` (every commit when omitted). Called in a turn,
   * nothing can reserve them again until it ends.
   */
  async settled(ids?: readonly string[]): Promise<void> {
    const ends = ids
      ? ids.flatMap((id) => this.reserved.get(id) ?? [])
      : [...this.reserved.values()];
    await Promise.all(ends);
  }

  /** Whether an urgent turn (news) is waiting for the lock. */
  get urgentWaiting(): boolean {
    return this.waiting.some((w) => w.priority > 0);
  }

  /** Portfolios with a commit in flight now. */
  get inFlight(): number {
    return this.reserved.size;
  }

  private busy(ids: readonly string[]): Promise<void> | null {
    const ends = new Set<Promise<void>>();
    for (const id of ids) {
      const end = this.reserved.get(id);
      if (end) ends.add(end);
    }
    return ends.size > 0 ? Promise.all(ends).then(() => undefined) : null;
  }

  /** Starts `io` with `ids` reserved until it ends (they are free again however it ends). */
  private reserve<T>(ids: readonly string[], io: () => Promise<T>, priority: number): Promise<T> {
    let done: Promise<T>;
    try {
      done = io();
    } catch (e) {
      done = Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
    const end = done.then(
      () => undefined,
      () => undefined,
    );
    for (const id of ids) this.reserved.set(id, end);
    if (priority >= URGENT) this.urgentIo.add(end);
    void end.then(() => {
      for (const id of ids) if (this.reserved.get(id) === end) this.reserved.delete(id);
      this.urgentIo.delete(end);
    });
    // The caller awaits it after the turn: not an unhandled rejection meanwhile.
    done.catch(() => undefined);
    return done;
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
