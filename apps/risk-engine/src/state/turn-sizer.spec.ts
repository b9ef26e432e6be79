import { TurnSizer } from './turn-sizer';

describe('TurnSizer', () => {
  it('starts at its first size, then sizes turns to the target from the time per item', () => {
    const s = new TurnSizer(100, 4, 512, 16);
    expect(s.next()).toBe(16);
    s.took(16, 32); // 2 ms an item
    expect(s.next()).toBe(50);
    // EWMA: 2 + 0.3 × (10 − 2) = 4.4 ms an item → 22.
    s.took(10, 100);
    expect(s.next()).toBe(22);
  });

  it('stays within its bounds', () => {
    const s = new TurnSizer(100, 4, 512);
    s.took(1, 1000);
    expect(s.next()).toBe(4);
    const fast = new TurnSizer(100, 4, 512);
    fast.took(100, 0);
    expect(fast.next()).toBe(512);
    fast.took(0, 50);
    expect(fast.next()).toBe(512);
  });
});
