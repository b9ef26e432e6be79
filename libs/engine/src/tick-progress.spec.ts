import { TickProgress, nextOffset, offsetList } from './tick-progress';

describe('TickProgress', () => {
  it('starts from the saved offsets and counts nothing pending', () => {
    const p = new TickProgress({ 'market.ticks:0': '5' });
    expect(p.offsets()).toEqual({ 'market.ticks:0': '5' });
    expect(p.sinceFlush).toBe(0);
  });

  it('records the next offset after each batch, and subtracts only what a flush took', () => {
    const p = new TickProgress();
    p.record('market.ticks', 0, '9', 3);
    p.record('market.ticks', 1, '41', 2);
    const taken = { offsets: p.offsets(), ticks: p.sinceFlush };
    p.record('market.ticks', 0, '12', 3);
    p.flushed(taken.ticks);
    expect(taken.offsets).toEqual({ 'market.ticks:0': '10', 'market.ticks:1': '42' });
    expect(p.sinceFlush).toBe(3);
    expect(p.offsets()['market.ticks:0']).toBe('13');
  });

  it('counts an empty batch without moving its offset', () => {
    const p = new TickProgress({ 'market.ticks:0': '5' });
    p.record('market.ticks', 0, undefined, 0);
    expect(p.offsets()).toEqual({ 'market.ticks:0': '5' });
  });

  it('steps offsets beyond 2^53 exactly', () => {
    expect(nextOffset('9007199254740993')).toBe('9007199254740994');
  });

  it('splits keys at the last colon (topic names may hold colons)', () => {
    expect(offsetList({ 'a:b:3': '7' })).toEqual([{ topic: 'a:b', partition: 3, offset: '7' }]);
  });
});
