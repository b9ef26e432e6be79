import { christoffersenIndependence, kupiecPof, transitionCounts } from './coverage-tests';

describe('kupiecPof', () => {
  it('5 exceptions in 250 days at p = 1%', () => {
    // LR = −2 [245 ln 0.99 + 5 ln 0.01 − 245 ln 0.98 − 5 ln 0.02]
    //    = −2 [245 ln(0.99/0.98) + 5 ln 0.5] = −2 [245 · 0.0101524 − 3.4657359]
    //    = −2 [2.4873468 − 3.4657359] = 1.9567782 (to 7 digits: 1.95681)
    // p = P(χ²₁ > LR) = 2 (1 − Φ(√1.95681)) = 2 (1 − Φ(1.39886)) = 2 · 0.080927 = 0.16185
    const r = kupiecPof(250, 5);
    expect(r.lr).toBeCloseTo(1.95681, 4);
    expect(r.pValue).toBeCloseTo(0.16185, 4);
  });

  it('no exception at all is also unlikely: 250 days, 0 exceptions', () => {
    // LR = −2 · 250 ln 0.99 = 500 · 0.0100503 = 5.02517; p = 2 (1 − Φ(2.24169)) = 0.02498
    const r = kupiecPof(250, 0);
    expect(r.lr).toBeCloseTo(5.02517, 4);
    expect(r.pValue).toBeCloseTo(0.02498, 4);
  });

  it('12 exceptions in 250 days rejects the model', () => {
    // x/T = 0.048: LR = −2 [238 ln(0.99/0.952) + 12 ln(0.01/0.048)]
    //    = −2 [238 · 0.0391389 + 12 · (−1.5686159)] = −2 [9.3150 − 18.8234] = 19.0162
    const r = kupiecPof(250, 12);
    expect(r.lr).toBeCloseTo(19.0162, 3);
    expect(r.pValue).toBeLessThan(1e-4);
  });

  it('answers LR 0, p 1 with no observations and exactly the expected rate', () => {
    expect(kupiecPof(0, 0)).toEqual({ lr: 0, pValue: 1 });
    // 1 in 100 is exactly p: both likelihoods are equal.
    const r = kupiecPof(100, 1);
    expect(r.lr).toBeCloseTo(0, 10);
    expect(r.pValue).toBeCloseTo(1, 10);
  });
});

describe('christoffersenIndependence', () => {
  it('counts transitions between consecutive days', () => {
    expect(transitionCounts([false, true, true, false, false])).toEqual({
      n00: 1,
      n01: 1,
      n10: 1,
      n11: 1,
    });
  });

  it('two exceptions back to back in ten days', () => {
    // F T T F F F F F F F: n00 = 6, n01 = 1, n10 = 1, n11 = 1 (9 transitions)
    // π = 2/9, π01 = 1/7, π11 = 1/2
    // restricted   = 7 ln(7/9) + 2 ln(2/9) = 7 (−0.2513144) + 2 (−1.5040774) = −4.7673558
    // unrestricted = 6 ln(6/7) + ln(1/7) + ln(1/2) + ln(1/2)
    //              = −0.9249093 − 1.9459101 − 1.3862944 = −4.2571138
    // LR = −2 (−4.7673558 + 4.2571138) = 1.020484; p = 2 (1 − Φ(1.010190)) = 0.31240
    const r = christoffersenIndependence([
      false,
      true,
      true,
      false,
      false,
      false,
      false,
      false,
      false,
      false,
    ]);
    expect(r).toMatchObject({ n00: 6, n01: 1, n10: 1, n11: 1 });
    expect(r.lr).toBeCloseTo(1.02049, 4);
    expect(r.pValue).toBeCloseTo(0.3124, 4);
  });

  it('is 0 when exceptions are as likely after an exception as after none', () => {
    // F T T F F F T F F F: n00 4, n01 2, n10 2, n11 1 → π01 = 2/6 = π11 = 1/3 = π
    const r = christoffersenIndependence([
      false,
      true,
      true,
      false,
      false,
      false,
      true,
      false,
      false,
      false,
    ]);
    expect(r.lr).toBeCloseTo(0, 10);
    expect(r.pValue).toBeCloseTo(1, 10);
  });

  it('is 0 with no exception, and with fewer than two days', () => {
    expect(christoffersenIndependence([false, false, false]).lr).toBe(0);
    expect(christoffersenIndependence([true])).toMatchObject({ lr: 0, pValue: 1 });
  });
});
