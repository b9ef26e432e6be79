import type { EventReading } from './event-classifier';
import { judgeForHolder, mergeReadings } from './holder-judgement';
import { newsKind } from './news-kinds';
import { severeForHolder } from './news-labels';

const reading = (
  kind: string,
  neg: number,
  neu: number,
  pos: number,
  rumour = false,
): EventReading => ({
  kind: newsKind(kind),
  kindProbability: 0.9,
  issuer: { negative: neg, neutral: neu, positive: pos },
  rumour,
});

describe('judgement for a holder', () => {
  it('puts the negative mass on severe when the typical loss on the share reaches 1.5% of nav', () => {
    // fraud: 25% × 8% = 2% of nav.
    const j = judgeForHolder(reading('fraud_allegation', 0.8, 0.1, 0.1), 'long', 8);
    expect(j.probabilities).toEqual({
      severe_negative: 0.8,
      negative: 0,
      neutral: 0.1,
      positive: 0.1,
    });
    expect(j.impact).toBe('severe_negative');
    expect(j.navEffectPct).toBeCloseTo(-2, 12);
    expect(j.severity).toBe('large');
  });

  it('is not severe under the threshold, nor for a rumour', () => {
    // guidance cut: 10% × 8% = 0.8% of nav.
    expect(judgeForHolder(reading('guidance_cut', 0.8, 0.1, 0.1), 'long', 8).impact).toBe(
      'negative',
    );
    expect(judgeForHolder(reading('fraud_allegation', 0.8, 0.1, 0.1, true), 'long', 8).impact).toBe(
      'negative',
    );
  });

  it('flips the issuer direction for a short: a takeover bid is severe for a large short', () => {
    const j = judgeForHolder(reading('ma_target', 0.05, 0.05, 0.9), 'short', 8);
    expect(j.direction).toEqual({ negative: 0.9, neutral: 0.05, positive: 0.05 });
    expect(j.impact).toBe('severe_negative'); // 20% × 8% = 1.6% of nav
    expect(severeForHolder('ma_target', 1, 'short', 8, false)).toBe(true);
    expect(severeForHolder('ma_target', 1, 'long', 8, false)).toBe(false);
  });

  it('merges windows with the headline counted twice', () => {
    const m = mergeReadings([
      reading('earnings_miss', 0.9, 0.1, 0),
      reading('routine', 0, 0.4, 0.6),
    ]);
    expect(m.issuer.negative).toBeCloseTo(0.6, 12);
    expect(m.issuer.neutral).toBeCloseTo(0.2, 12);
    expect(m.issuer.positive).toBeCloseTo(0.2, 12);
    expect(m.kind.id).toBe('earnings_miss');
  });
});
