import { PositionsProgress } from './positions-progress';

/** Whether `p` has settled after the pending microtasks ran. */
async function settled(p: Promise<void>): Promise<boolean> {
  let done = false;
  void p.then(() => (done = true));
  await new Promise((r) => setImmediate(r));
  return done;
}

describe('PositionsProgress', () => {
  it('covers nothing before the first assignment, even an empty topic', async () => {
    const p = new PositionsProgress();
    expect(p.covers({ 0: '0' })).toBe(false);
    const wait = p.waitFor({ 0: '0' });
    expect(await settled(wait)).toBe(false);
    p.assign({ 0: '0' });
    expect(await settled(wait)).toBe(true);
  });

  it('holds a news item until the snapshots published before it are applied (the bench hang)', async () => {
    // 20 snapshots over 3 partitions, restored from nothing; the item arrives after 3 applied.
    const p = new PositionsProgress();
    p.assign({ 0: '0', 1: '0', 2: '0' });
    const ends = { 0: '7', 1: '7', 2: '6' };
    p.applied(0, '1');
    p.applied(0, '2');
    p.applied(1, '1');
    expect(p.covers(ends)).toBe(false);
    const wait = p.waitFor(ends);
    for (let o = 3; o <= 7; o++) p.applied(0, String(o));
    for (let o = 2; o <= 7; o++) p.applied(1, String(o));
    for (let o = 1; o <= 5; o++) p.applied(2, String(o));
    expect(await settled(wait)).toBe(false);
    p.applied(2, '6');
    expect(await settled(wait)).toBe(true);
    expect(p.covers(ends)).toBe(true);
  });

  it('counts a restored partition from its committed offset', () => {
    const p = new PositionsProgress();
    p.assign({ 0: '40', 1: '12' });
    expect(p.covers({ 0: '40', 1: '12' })).toBe(true);
    expect(p.covers({ 0: '41', 1: '12' })).toBe(false);
  });

  it('waits only for the partitions it owns', async () => {
    const p = new PositionsProgress();
    p.assign({ 0: '0', 1: '0' });
    const wait = p.waitFor({ 0: '3', 1: '5', 2: '9' });
    p.applied(0, '3');
    p.applied(2, '9'); // not owned: ignored
    expect(await settled(wait)).toBe(false);
    p.assign({ 0: '3' }); // partition 1 moved to another instance
    expect(await settled(wait)).toBe(true);
  });

  it('keeps what it applied on a partition it keeps when the committed offset lags', () => {
    const p = new PositionsProgress();
    p.assign({ 0: '0' });
    p.applied(0, '5');
    p.assign({ 0: '4', 1: '2' });
    expect(p.covers({ 0: '5', 1: '2' })).toBe(true);
  });

  it('never moves backwards on a redelivered message', () => {
    const p = new PositionsProgress();
    p.assign({ 0: '0' });
    p.applied(0, '5');
    p.applied(0, '3');
    expect(p.covers({ 0: '5' })).toBe(true);
  });
});
