import { eventKind } from './event-kinds';
import { judge, sizeBucketOf } from './judgement';

describe('judge', () => {
  it('signs the move by the side held', () => {
    expect(judge(eventKind('earnings_miss'), 'long', 3).impact).toBe('negative');
    expect(judge(eventKind('earnings_miss'), 'short', 3).impact).toBe('positive');
    expect(judge(eventKind('earnings_beat'), 'short', 3).impact).toBe('negative');
  });

  it('is neutral without a position, for routine news and for an immaterial position', () => {
    expect(judge(eventKind('fraud_allegation'), 'none', 0)).toMatchObject({
      impact: 'neutral',
      severity: 'none',
    });
    expect(judge(eventKind('routine'), 'long', 8).impact).toBe('neutral');
    expect(judge(eventKind('fraud_allegation'), 'long', 0.1).impact).toBe('neutral');
  });

  it('grades severity by strength plus size, and a large loss is severe_negative', () => {
    expect(judge(eventKind('fraud_allegation'), 'long', 3)).toMatchObject({
      impact: 'severe_negative',
      severity: 'large',
    });
    expect(judge(eventKind('fraud_allegation'), 'long', 1)).toMatchObject({
      impact: 'negative',
      severity: 'moderate',
    });
    expect(judge(eventKind('lawsuit'), 'long', 1)).toMatchObject({
      impact: 'negative',
      severity: 'small',
    });
    expect(judge(eventKind('ma_target'), 'short', 8)).toMatchObject({
      impact: 'severe_negative',
      severity: 'large',
    });
    expect(judge(eventKind('going_concern'), 'short', 8)).toMatchObject({
      impact: 'positive',
      severity: 'large',
    });
  });

  it('computes the nav effect as typical move × share', () => {
    expect(judge(eventKind('regulatory_probe'), 'short', 2.1).navEffectPct).toBeCloseTo(0.126, 10);
  });

  it('buckets shares of nav', () => {
    expect([0.1, 1, 3, 9].map(sizeBucketOf)).toEqual(['tiny', 'small', 'medium', 'large']);
  });
});
