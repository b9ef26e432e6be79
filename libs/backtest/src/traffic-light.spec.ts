import { trafficLight } from './traffic-light';

describe('trafficLight', () => {
  // Binomial(250, 0.01) cumulative: P(X ≤ 4) = 0.89219, P(X ≤ 5) = 0.95882 (≥ 95%: yellow),
  // P(X ≤ 9) = 0.99975, P(X ≤ 10) = 0.99995 (≥ 99.99%: red) — Basel's table.
  it.each([
    [0, 'green'],
    [4, 'green'],
    [5, 'yellow'],
    [9, 'yellow'],
    [10, 'red'],
    [30, 'red'],
  ])('250 observations, %i exceptions: %s', (x, zone) => {
    expect(trafficLight(250, x)).toMatchObject({ zone, greenMax: 4, yellowMax: 9 });
  });

  it('gives the cumulative probability of the count', () => {
    // P(X ≤ 0) = 0.99^250 = e^{250 ln 0.99} = e^{−2.512584} = 0.081059
    expect(trafficLight(250, 0).cumulativeProbability).toBeCloseTo(0.081059, 5);
  });

  it('scales the zones to other observation counts as Basel does', () => {
    // n = 500: P(X ≤ 8) = 0.93289 < 95% ≤ P(X ≤ 9) = 0.96890; P(X ≤ 14) < 99.99% ≤ P(X ≤ 15)
    expect(trafficLight(500, 8)).toMatchObject({ zone: 'green', greenMax: 8, yellowMax: 14 });
    expect(trafficLight(500, 15).zone).toBe('red');
    // n = 100: P(X ≤ 2) = 0.92063, P(X ≤ 3) = 0.98163; P(X ≤ 5) = 0.99947, P(X ≤ 6) = 0.99993
    expect(trafficLight(100, 3)).toMatchObject({ zone: 'yellow', greenMax: 2, yellowMax: 5 });
    expect(trafficLight(100, 6).zone).toBe('red');
  });

  it('is green with no observations', () => {
    expect(trafficLight(0, 0).zone).toBe('green');
  });
});
