import { CommitsInFlight } from './commits-in-flight';

const settle = () => new Promise((r) => setImmediate(r));

function pending() {
  let end!: () => void;
  let fail!: (e: Error) => void;
  const done = new Promise<void>((resolve, reject) => {
    end = resolve;
    fail = reject;
  });
  return { done, end: () => end(), fail: (e: Error) => fail(e) };
}

describe('CommitsInFlight', () => {
  it('lets one commit run while the next is added; a further one waits for the oldest', async () => {
    const commits = new CommitsInFlight(2);
    const a = pending();
    const b = pending();
    await commits.add(a.done);
    let added = false;
    const adding = commits.add(b.done).then(() => (added = true));
    await settle();
    expect(added).toBe(false);
    a.end();
    await adding;
    b.end();
    await expect(commits.drain()).resolves.toBeUndefined();
  });

  it('drain throws the first failure; settle waits for all whatever their outcome', async () => {
    const commits = new CommitsInFlight(3);
    const a = pending();
    const b = pending();
    await commits.add(a.done);
    await commits.add(b.done);
    a.fail(new Error('connection lost'));
    await expect(commits.drain()).rejects.toThrow('connection lost');
    let settled = false;
    const settling = commits.settle().then(() => (settled = true));
    await settle();
    expect(settled).toBe(false);
    b.end();
    await settling;
  });
});
