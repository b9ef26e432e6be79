import type { Evaluation } from '@risk/contracts';

/**
 * A serialized evaluation as the engine publishes it for a portfolio of 50 named positions:
 * about 16 kB of JSON, repetitive in its keys and sentences, varied in its numbers (a seeded
 * generator, so runs compare). For relay tests and the compression benchmark.
 */
export function evaluationPayload(n: number, targetBytes = 16_000): string {
  let seed = (n + 1) * 2_654_435_761;
  const rnd = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed / 2_147_483_648;
  };
  const num = (scale: number, digits = 4) => Number((rnd() * scale).toFixed(digits));
  const steps: Evaluation['explanation']['steps'] = [];
  const ev: Evaluation = {
    id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    portfolioId: `pf-${n % 997}`,
    ts: new Date(Date.UTC(2026, 10, 30, 9, 0, 0, n)).toISOString(),
    trigger: { topic: 'market.ticks', eventId: `tick-${n}` },
    score: num(1),
    level: (['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const)[n % 4],
    metrics: {
      nav: num(1e7, 2),
      grossExposure: num(2e7, 2),
      netExposure: num(1e7, 2),
      maxWeight: num(0.3),
      maxWeightSymbol: 'SYM7',
      hhi: num(0.2),
      var99: num(5e5, 2),
      es99: num(7e5, 2),
      volAnnualized: num(0.6),
      drawdown: num(0.2),
    },
    explanation: { steps, models: { trees: 'risk-trees@3', reasoning: 'risk-reasoner@int8' } },
    timings: { totalMs: num(40, 2), reasoningMs: num(30, 2), cachedTokens: 512, newTokens: 60 },
  };
  for (let i = 0; JSON.stringify(ev).length < targetBytes; i++) {
    const symbol = `SYM${(i * 7 + n) % 400}`;
    const weight = num(0.1);
    steps.push({
      kind: i % 5 === 0 ? 'limit' : 'metric',
      text: `${symbol}: weight ${(weight * 100).toFixed(2)}% of NAV, contribution to 99% VaR ${num(3, 2)}%, 1-day return ${num(4, 2)}% (EWMA volatility ${num(60, 1)}% annualized)`,
      data: {
        symbol,
        weight,
        varContribution: num(1),
        dailyReturn: num(0.05),
        volatility: num(0.6),
      },
    });
  }
  return JSON.stringify(ev);
}
