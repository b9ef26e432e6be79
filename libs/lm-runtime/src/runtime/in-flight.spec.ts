import {
  DeadlineError,
  InFlightLimiter,
  isPastDeadline,
  isSuperseded,
  SupersededError,
} from './in-flight';

/** A call that runs until released; records its start and the signal and priority it got. */
function held() {
  let release!: (v: string) => void;
  const done = new Promise<string>((r) => (release = r));
  const seen: { signal?: AbortSignal; priority?: () => number; started: boolean } = {
    started: false,
  };
  const fn = (signal: AbortSignal, priority: () => number) => {
    seen.started = true;
    seen.signal = signal;
    seen.priority = priority;
    return done;
  };
  return { fn, release, seen };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('InFlightLimiter', () => {
  it('runs at most maxPerKey calls of a key at once; other keys run freely', async () => {
    const lim = new InFlightLimiter(2);
    const calls = [held(), held(), held(), held()];
    const runs = [
      lim.run('p1', 'move', 0, calls[0].fn),
      lim.run('p1', 'news', 0, calls[1].fn),
      lim.run('p1', 'other', 0, calls[2].fn),
      lim.run('p2', 'move', 0, calls[3].fn),
    ];
    expect(calls.map((c) => c.seen.started)).toEqual([true, true, false, true]);
    expect(lim.inFlight('p1')).toEqual({ running: 2, waiting: 1 });
    calls[0].release('a');
    await expect(runs[0]).resolves.toBe('a');
    await tick();
    expect(calls[2].seen.started).toBe(true);
    calls.forEach((c) => c.release('x'));
    await Promise.all(runs);
    expect(lim.inFlight('p1')).toEqual({ running: 0, waiting: 0 });
  });

  it('admits the highest priority waiting first, and runs the key at its priority meanwhile', async () => {
    const lim = new InFlightLimiter(1);
    const running = held();
    const move = held();
    const news = held();
    const order: string[] = [];
    const r0 = lim.run('p', 'move', 0, running.fn);
    expect(running.seen.priority!()).toBe(0);
    const r1 = lim.run('p', 'levels', 0, async (s, p) => (order.push('levels'), move.fn(s, p)));
    const r2 = lim.run('p', 'news', 1, async (s, p) => (order.push('news'), news.fn(s, p)));
    // A news call waits for the slot: the running move's steps go at the news priority.
    expect(running.seen.priority!()).toBe(1);
    running.release('m');
    await r0;
    await tick();
    expect(order).toEqual(['news']);
    expect(news.seen.priority!()).toBe(1);
    news.release('n');
    move.release('l');
    await expect(Promise.all([r1, r2])).resolves.toEqual(['l', 'n']);
    expect(order).toEqual(['news', 'levels']);
  });

  it('a newer call of the same key and kind supersedes a running one: aborted, rejected, slot freed', async () => {
    const lim = new InFlightLimiter(1);
    const old = held();
    const first = lim.run('p', 'move', 0, old.fn);
    const newer = held();
    const second = lim.run('p', 'move', 0, newer.fn);
    expect(old.seen.signal!.aborted).toBe(true);
    expect(old.seen.signal!.reason).toBeInstanceOf(SupersededError);
    // The old call still holds the slot until it settles (its steps are being dropped).
    expect(newer.seen.started).toBe(false);
    old.release('finished anyway');
    const err = await first.catch((e: unknown) => e);
    expect(isSuperseded(err)).toBe(true);
    expect((err as SupersededError).code).toBe('SUPERSEDED');
    await tick();
    expect(newer.seen.started).toBe(true);
    newer.release('fresh');
    await expect(second).resolves.toBe('fresh');
    expect(lim.superseded).toBe(1);
  });

  it('a superseded queued call never runs; other kinds are untouched', async () => {
    const lim = new InFlightLimiter(1);
    const news = held();
    const r0 = lim.run('p', 'news', 1, news.fn);
    const queued = held();
    const r1 = lim.run('p', 'move', 0, queued.fn);
    const latest = held();
    const r2 = lim.run('p', 'move', 0, latest.fn);
    await expect(r1).rejects.toBeInstanceOf(SupersededError);
    expect(queued.seen.started).toBe(false);
    expect(news.seen.signal!.aborted).toBe(false);
    expect(lim.inFlight('p')).toEqual({ running: 1, waiting: 1 });
    news.release('n');
    latest.release('m');
    await expect(Promise.all([r0, r2])).resolves.toEqual(['n', 'm']);
  });

  it('supersede() drops the calls of a kind for a newer event, without a new call', async () => {
    const lim = new InFlightLimiter(2);
    const a = held();
    const r = lim.run('p', 'move', 0, a.fn);
    expect(lim.supersede('p', 'news')).toBe(0);
    expect(lim.supersede('p', 'move')).toBe(1);
    a.release('late');
    await expect(r).rejects.toBeInstanceOf(SupersededError);
    expect(lim.inFlight('p')).toEqual({ running: 0, waiting: 0 });
  });

  it('passes a call failure through and frees the slot', async () => {
    const lim = new InFlightLimiter(1);
    await expect(lim.run('p', 'move', 0, () => Promise.reject(new Error('boom')))).rejects.toThrow(
      'boom',
    );
    await tick();
    await expect(lim.run('p', 'move', 0, async () => 'ok')).resolves.toBe('ok');
  });

  it('a call past its deadline never runs', async () => {
    const lim = new InFlightLimiter(1);
    const c = held();
    const at = performance.now() - 1;
    const e = await lim.run('p1', 'news', 1, c.fn, { at, budgetMs: 300 }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DeadlineError);
    expect(isPastDeadline(e)).toBe(true);
    expect((e as DeadlineError).budgetMs).toBe(300);
    expect(c.seen.started).toBe(false);
    expect(lim.pastDeadline).toBe(1);
  });

  it('a running call is dropped at its deadline: rejected at once, its slot freed when it stops', async () => {
    const lim = new InFlightLimiter(1);
    const running = held();
    const next = held();
    const first = lim.run('p1', 'news', 1, running.fn, {
      at: performance.now() + 20,
      budgetMs: 20,
    });
    const second = lim.run('p1', 'move', 0, next.fn);
    await expect(first).rejects.toBeInstanceOf(DeadlineError);
    expect(running.seen.signal?.aborted).toBe(true);
    // The model call has not stopped yet: the slot is still taken.
    expect(next.seen.started).toBe(false);
    running.release('late');
    await tick();
    await tick();
    expect(next.seen.started).toBe(true);
    next.release('b');
    await expect(second).resolves.toBe('b');
    expect(lim.pastDeadline).toBe(1);
  });

  it('a queued call is dropped at its deadline and never runs', async () => {
    const lim = new InFlightLimiter(1);
    const running = held();
    const queued = held();
    const first = lim.run('p1', 'move', 0, running.fn);
    const late = lim.run('p1', 'news', 1, queued.fn, { at: performance.now() + 10, budgetMs: 10 });
    await expect(late).rejects.toBeInstanceOf(DeadlineError);
    running.release('a');
    await expect(first).resolves.toBe('a');
    await tick();
    expect(queued.seen.started).toBe(false);
    expect(lim.inFlight('p1')).toEqual({ running: 0, waiting: 0 });
  });

  it('a call that finishes before its deadline resolves and leaves no timer behind', async () => {
    const lim = new InFlightLimiter(1);
    const c = held();
    const run = lim.run('p1', 'news', 1, c.fn, {
      at: performance.now() + 60_000,
      budgetMs: 60_000,
    });
    c.release('ok');
    await expect(run).resolves.toBe('ok');
    expect(c.seen.signal?.aborted).toBe(false);
    expect(lim.pastDeadline).toBe(0);
  });
});
