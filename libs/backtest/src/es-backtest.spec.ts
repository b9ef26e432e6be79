import { acerbiSzekelyZ2 } from './es-backtest';

const calm = (n: number) =>
  Array.from({ length: n }, () => ({ pnl: 1, es99: 25, exception: false }));

describe('acerbiSzekelyZ2', () => {
  it('sums the exceptions’ losses over T · α · ES', () => {
    // T = 250, α = 0.01: T α = 2.5. Exceptions −30 (ES 25) and −50 (ES 50):
    // Z2 = 1 + (−30 / (2.5 · 25) − 50 / (2.5 · 50)) = 1 − 0.48 − 0.40 = 0.12 → green
    const obs = [
      ...calm(248),
      { pnl: -30, es99: 25, exception: true },
      { pnl: -50, es99: 50, exception: true },
    ];
    const r = acerbiSzekelyZ2(obs);
    expect(r.z2).toBeCloseTo(0.12, 10);
    expect(r.zone).toBe('green');
  });

  it('is yellow below −0.70 and red at or below −1.8', () => {
    // 5 exceptions of −50 with ES 25: Z2 = 1 − 5 · 50 / 62.5 = 1 − 4 = −3 → red
    const red = [
      ...calm(245),
      ...Array.from({ length: 5 }, () => ({ pnl: -50, es99: 25, exception: true })),
    ];
    expect(acerbiSzekelyZ2(red)).toMatchObject({ z2: -3, zone: 'red' });
    // 3 exceptions of −30 with ES 25: Z2 = 1 − 3 · 30 / 62.5 = 1 − 1.44 = −0.44 → green;
    // 4 of −40: 1 − 160/62.5 = −1.56 → yellow
    const green = [
      ...calm(247),
      ...Array.from({ length: 3 }, () => ({ pnl: -30, es99: 25, exception: true })),
    ];
    expect(acerbiSzekelyZ2(green).z2).toBeCloseTo(-0.44, 10);
    expect(acerbiSzekelyZ2(green).zone).toBe('green');
    const yellow = [
      ...calm(246),
      ...Array.from({ length: 4 }, () => ({ pnl: -40, es99: 25, exception: true })),
    ];
    expect(acerbiSzekelyZ2(yellow).z2).toBeCloseTo(-1.56, 10);
    expect(acerbiSzekelyZ2(yellow).zone).toBe('yellow');
  });

  it('is red with no number when a loss met a zero ES forecast', () => {
    expect(acerbiSzekelyZ2([{ pnl: -1, es99: 0, exception: true }])).toMatchObject({
      z2: null,
      zone: 'red',
    });
  });

  it('is 1 (green) without exceptions and 0 without observations', () => {
    expect(acerbiSzekelyZ2(calm(10)).z2).toBe(1);
    expect(acerbiSzekelyZ2([]).z2).toBe(0);
  });
});
