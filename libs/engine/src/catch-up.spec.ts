import { CatchUp } from './catch-up';

describe('CatchUp', () => {
  it('never fires on a live stream whose batches end at the log end', () => {
    const c = new CatchUp();
    for (let i = 0; i < 5; i++) {
      expect(c.observe('t:0', 0)).toBe(false);
      expect(c.observe('t:1', 0)).toBe(false);
    }
  });

  it('fires once, when the last partition behind reaches its end', () => {
    const c = new CatchUp();
    expect(c.observe('t:0', 5000)).toBe(false);
    expect(c.observe('t:1', 3000)).toBe(false);
    expect(c.observe('t:2', 0)).toBe(false);
    expect(c.observe('t:0', 0)).toBe(false);
    expect(c.observe('t:1', 10)).toBe(false);
    expect(c.observe('t:1', 0)).toBe(true);
    expect(c.observe('t:1', 0)).toBe(false);
    expect(c.observe('t:0', 0)).toBe(false);
  });
});
