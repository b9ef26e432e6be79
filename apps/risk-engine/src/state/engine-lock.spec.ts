import { EngineLock, URGENT } from './engine-lock';

/** A turn that holds the lock until released. */
function held() {
  let release!: () => void;
  const done = new Promise<void>((r) => (release = r));
  return { fn: () => done, release };
}

const settle = () => new Promise((r) => setImmediate(r));

describe('EngineLock', () => {
  it('runs one turn at a time, in order', async () => {
    const lock = new EngineLock();
    const order: string[] = [];
    let inside = 0;
    let most = 0;
    const turn = (name: string) =>
      lock.run(async () => {
        most = Math.max(most, ++inside);
        await settle();
        order.push(name);
        inside--;
      });
    await Promise.all([turn('a'), turn('b'), turn('c')]);
    expect(order).toEqual(['a', 'b', 'c']);
    expect(most).toBe(1);
  });

  it('grants an urgent turn ahead of routine turns already waiting, never the one in progress', async () => {
    const lock = new EngineLock();
    const first = held();
    const order: string[] = [];
    const running = lock.run(first.fn).then(() => order.push('flush-1'));
    const routine = lock.run(async () => order.push('flush-2'));
    const urgent = lock.run(async () => order.push('news'), URGENT);
    await settle();
    expect(order).toEqual([]);
    first.release();
    await Promise.all([running, routine, urgent]);
    expect(order).toEqual(['flush-1', 'news', 'flush-2']);
  });

  it('passes a failure to its caller and frees the lock', async () => {
    const lock = new EngineLock();
    await expect(lock.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(lock.run(async () => 7)).resolves.toBe(7);
    await expect(
      lock.run(() => {
        throw new Error('sync');
      }),
    ).rejects.toThrow('sync');
    await expect(lock.run(async () => 8)).resolves.toBe(8);
  });

  it('lets at most two urgent turns pass a routine turn that waits: a flush still advances', async () => {
    const lock = new EngineLock();
    const first = held();
    const order: string[] = [];
    const turns = [lock.run(first.fn)];
    turns.push(lock.run(async () => void order.push('flush')));
    for (const n of ['n1', 'n2', 'n3', 'n4'])
      turns.push(lock.run(async () => void order.push(n), URGENT));
    first.release();
    await Promise.all(turns);
    expect(order).toEqual(['n1', 'n2', 'flush', 'n3', 'n4']);
  });
});

describe('EngineLock.commit', () => {
  /** An I/O that ends when told to. */
  function io<T>(value: T) {
    let end!: () => void;
    let fail!: (e: Error) => void;
    const started = jest.fn();
    const run = () => {
      started();
      return new Promise<T>((resolve, reject) => {
        end = () => resolve(value);
        fail = reject;
      });
    };
    return { run, started, end: () => end(), fail: (e: Error) => fail(e) };
  }

  it('frees the lock while the I/O runs: other turns go on', async () => {
    const lock = new EngineLock();
    const write = io('written');
    const { done } = await lock.commit(['pf-a'], async () => write.run);
    expect(write.started).toHaveBeenCalledTimes(1);
    await expect(lock.run(async () => 'other turn')).resolves.toBe('other turn');
    expect(lock.inFlight).toBe(1);
    write.end();
    await expect(done).resolves.toBe('written');
    expect(lock.inFlight).toBe(0);
  });

  it('a commit of a portfolio whose commit is in flight decides only after that one ended', async () => {
    const lock = new EngineLock();
    const order: string[] = [];
    const first = io('first');
    const { done: d1 } = await lock.commit(['pf-a', 'pf-b'], async () => {
      order.push('decide 1');
      return () => first.run().finally(() => order.push('installed 1'));
    });
    const second = lock.commit(['pf-b'], async () => {
      order.push('decide 2');
      return async () => 'second';
    });
    // Other portfolios are not held up.
    const other = await lock.commit(['pf-c'], async () => {
      order.push('decide 3');
      return async () => 'third';
    });
    await expect(other.done).resolves.toBe('third');
    await settle();
    expect(order).toEqual(['decide 1', 'decide 3']);
    first.end();
    await d1;
    const { done: d2 } = await second;
    await expect(d2).resolves.toBe('second');
    expect(order).toEqual(['decide 1', 'decide 3', 'installed 1', 'decide 2']);
  });

  it('a failed I/O rejects its end and frees its portfolios', async () => {
    const lock = new EngineLock();
    const write = io('never');
    const { done } = await lock.commit(['pf-a'], async () => write.run);
    write.fail(new Error('connection lost'));
    await expect(done).rejects.toThrow('connection lost');
    const again = await lock.commit(['pf-a'], async () => async () => 'retried');
    await expect(again.done).resolves.toBe('retried');
  });

  it('a routine commit waits once for the urgent commits writing now, not for later ones', async () => {
    const lock = new EngineLock();
    const order: string[] = [];
    const news = io('news');
    const { done: urgent } = await lock.commit(['pf-n'], async () => news.run, URGENT);
    const routine = lock.commit(['pf-r'], async () => {
      order.push('routine decides');
      return async () => 'routine';
    });
    await settle();
    expect(order).toEqual([]);
    news.end();
    await urgent;
    // Another urgent commit starts before the routine one gets its turn again: not waited for.
    const later = io('later');
    await lock.commit(['pf-m'], async () => later.run, URGENT);
    const { done } = await routine;
    await expect(done).resolves.toBe('routine');
    expect(order).toEqual(['routine decides']);
    later.end();
  });

  it('settled waits for the commits of the given portfolios, or of all', async () => {
    const lock = new EngineLock();
    const a = io('a');
    const b = io('b');
    await lock.commit(['pf-a'], async () => a.run);
    await lock.commit(['pf-b'], async () => b.run);
    let aSettled = false;
    let allSettled = false;
    void lock.settled(['pf-a']).then(() => (aSettled = true));
    void lock.settled().then(() => (allSettled = true));
    await expect(lock.settled(['pf-c'])).resolves.toBeUndefined();
    a.fail(new Error('a failed'));
    await settle();
    expect([aSettled, allSettled]).toEqual([true, false]);
    b.end();
    await settle();
    expect(allSettled).toBe(true);
  });
});

describe('EngineLock.urgentWaiting', () => {
  it('is true while an urgent turn waits, not for routine ones', async () => {
    const lock = new EngineLock();
    const first = held();
    const running = lock.run(first.fn);
    const routine = lock.run(async () => undefined);
    expect(lock.urgentWaiting).toBe(false);
    const urgent = lock.run(async () => undefined, URGENT);
    expect(lock.urgentWaiting).toBe(true);
    first.release();
    await Promise.all([running, routine, urgent]);
    expect(lock.urgentWaiting).toBe(false);
  });
});

describe('EngineLock.commitFree', () => {
  it('commits the portfolios without a commit in flight now, and returns the others with its end', async () => {
    const lock = new EngineLock();
    let endFirst!: () => void;
    const first = await lock.commit(
      ['pf-b'],
      async () => () => new Promise<void>((r) => (endFirst = r)),
    );
    const decided: (readonly string[])[] = [];
    const r = await lock.commitFree(['pf-a', 'pf-b', 'pf-c'], async (free) => {
      decided.push(free);
      return async () => free.length;
    });
    expect(decided).toEqual([['pf-a', 'pf-c']]);
    await expect(r.done).resolves.toBe(2);
    expect(r.busy).toEqual(['pf-b']);
    let freed = false;
    void r.free.then(() => (freed = true));
    await settle();
    expect(freed).toBe(false);
    endFirst();
    await first.done;
    await settle();
    expect(freed).toBe(true);
    const again = await lock.commitFree(['pf-b'], async (free) => async () => free.length);
    await expect(again.done).resolves.toBe(1);
    expect(again.busy).toEqual([]);
  });

  it('decides nothing when every portfolio is busy', async () => {
    const lock = new EngineLock();
    await lock.commit(['pf-a'], async () => () => new Promise<void>(() => undefined));
    const decide = jest.fn();
    const r = await lock.commitFree(['pf-a'], decide);
    expect(decide).not.toHaveBeenCalled();
    expect(r.done).toBeNull();
    expect(r.busy).toEqual(['pf-a']);
  });
});
