import { newsMessage, positionsMessage, produce, waitFor } from './support/harness';
import type { Evaluation } from '@risk/contracts';
import type { UnderstoodStory } from '@risk/scoring';
import { reasoningModelEnv, useRunningService } from './support/running-service';

/**
 * The pretrained news encoder in the running service: a story about two held names judges each
 * exposure and states the combined effect; the same story from a second wire reuses the first
 * one's reading; a long body is read in chunks behind the headline.
 */
describe('news understood by the pretrained encoder', () => {
  const svc = useRunningService('understanding', {
    listen: false,
    read: ['evaluations'],
    env: reasoningModelEnv(),
  });

  const evaluated = async (
    id: string,
    minute: number,
    headline: string,
    symbols: string[],
    body?: string,
  ): Promise<Evaluation> => {
    await produce(svc.kafka, svc.topics.news, [
      newsMessage({
        id,
        ts: `2026-11-30T10:${String(minute).padStart(2, '0')}:00.000Z`,
        headline,
        symbols,
        body,
      }),
    ]);
    return waitFor<Evaluation>(
      () => svc.readers.evaluations!.values<Evaluation>().find((e) => e.trigger.eventId === id),
      120_000,
      `the evaluation of ${id}`,
    );
  };

  const understood = (e: Evaluation): UnderstoodStory => {
    const step = e.explanation.steps.find(
      (s) => s.kind === 'reasoning' && 'understanding' in s.data,
    );
    expect(step).toBeDefined();
    return step!.data.understanding as UnderstoodStory;
  };

  it('judges each held name, reuses a repeated story, and reads long bodies', async () => {
    await produce(svc.kafka, svc.topics.positions, [
      positionsMessage({
        id: 'p-u',
        portfolioId: 'pf-u',
        cash: 1_000_000,
        positions: [
          { symbol: 'ACME', quantity: 2000, price: 40 },
          { symbol: 'GRP.B', quantity: -1000, price: 30 },
        ],
      }),
    ]);
    await svc.readers.evaluations!.waitForCount(1);

    const both = await evaluated(
      'u-1',
      1,
      'Acme Corp (ACME) files for Chapter 11 bankruptcy protection; supplier Grupo Beta (GRP.B) exposed',
      ['ACME', 'GRP.B'],
    );
    const u = understood(both);
    expect(u.duplicateOf).toBeNull();
    expect(u.exposures.map((x) => [x.symbol, x.side])).toEqual([
      ['ACME', 'long'],
      ['GRP.B', 'short'],
    ]);
    expect(u.exposures.map((x) => x.impact)).toEqual(['severe_negative', 'positive']);
    expect(u.combinedNavEffectPct).toBeCloseTo(
      u.exposures[0].navEffectPct + u.exposures[1].navEffectPct,
      3,
    );
    const text = both.explanation.steps.find((s) => 'understanding' in s.data)!.text;
    expect(text).toMatch(/combined [+−]\d+\.\d\d% of nav/);
    expect(text).toContain('GRP.B'); // a dotted ticker, whole
    expect(both.explanation.models.reasoning).toMatch(/all-minilm-l6-v2-q@/);

    // The same news from another wire, a minute later: judged once, the reading reused.
    const again = await evaluated(
      'u-2',
      2,
      'Acme Corp (ACME) seeks Chapter 11 bankruptcy protection, supplier Grupo Beta (GRP.B) exposed',
      ['ACME', 'GRP.B'],
    );
    const v = understood(again);
    expect(v.duplicateOf?.newsId).toBe('u-1');
    expect(again.explanation.steps.find((s) => 'understanding' in s.data)!.text).toMatch(
      /same news as u-1 \(cosine 0\.\d+\): its reading reused/,
    );

    // A body of almost 64 KiB, astral characters included: read in windows behind the headline.
    const body = `${'Orders for the new product line rose sharply across regions. '.repeat(400)}\n\n${'📈'.repeat(9000)}`;
    const long = await evaluated(
      'u-3',
      3,
      'Acme Corp (ACME) wins $2 billion supply contract',
      ['ACME'],
      body,
    );
    const w = understood(long);
    expect(w.windows).toBeGreaterThan(10);
    expect(w.exposures[0].impact).toBe('positive');
  });
});
