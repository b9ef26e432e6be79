import { join } from 'node:path';
import { encoderFiles, ensureNewsEncoder } from './encoder-artifact';
import { judgeForHolder } from './holder-judgement';
import { NewsUnderstanding } from './news-understanding';
import { judgeStory, retrievedFacts } from './story-judgement';
import { cosine } from './vectors';

/**
 * The real encoder (fetched by `npm run infra:up`, or here if missing) and the shipped heads, on
 * the real ONNX runtime.
 */
describe('news understanding on the real encoder', () => {
  const root = join(__dirname, '..', '..', '..');
  let u: NewsUnderstanding;

  beforeAll(async () => {
    const files = encoderFiles(root);
    ensureNewsEncoder(files, () => undefined);
    u = await NewsUnderstanding.open(
      files,
      join(root, 'models', 'news-understanding', 'classifier.json'),
      {
        duplicateWindowMs: 3_600_000,
      },
    );
  }, 120_000);

  afterAll(() => u.close());

  it('embeds as sentence-transformers does: 384 values of unit length', async () => {
    const v = await u.embed('Acme Corp beats quarterly estimates');
    expect(v.length).toBe(384);
    expect(cosine(v, v)).toBeCloseTo(1, 5);
  });

  it('reads a bankruptcy as severe for a long holder and a gain for a short one', async () => {
    const s = await u.understand({
      id: 'b1',
      tsMs: 0,
      headline: 'Hartwell Stores files for Chapter 11 bankruptcy protection',
    });
    expect(s.reading.kind.id).toBe('going_concern');
    expect(judgeForHolder(s.reading, 'long', 8).impact).toBe('severe_negative');
    expect(judgeForHolder(s.reading, 'short', 8).impact).toBe('positive');
    expect(retrievedFacts(s)).toMatch(/^Known event: .+, usually (down|up) about \d+%\.$/);
  });

  it('reuses the reading of the same news from another wire, marked as such', async () => {
    const first = await u.understand({
      id: 'w1',
      tsMs: 1000,
      headline: 'Hartwell Stores recalls 2 million space heaters over fire risk',
    });
    const again = await u.understand({
      id: 'w2',
      tsMs: 2000,
      headline: 'Hartwell Stores recalls 2 million space heaters on fire risk',
    });
    expect(first.duplicateOf).toBeUndefined();
    expect(again.duplicateOf?.id).toBe('w1');
    expect(again.reading).toEqual(first.reading);
    // Different news about the same company is not a duplicate.
    const other = await u.understand({
      id: 'w3',
      tsMs: 3000,
      headline: 'Hartwell Stores raises its dividend by 10%',
    });
    expect(other.duplicateOf).toBeUndefined();
  });

  it('reads a long body in windows, and judges each held name of a story', async () => {
    const body = `${'Revenue fell short of forecasts in every region. '.repeat(60)}\n\n${'Costs rose. '.repeat(200)}`;
    const s = await u.understand({
      id: 'l1',
      tsMs: 10_000_000,
      headline: 'Brixby Foods misses profit estimates',
      body,
    });
    expect(s.windows).toBeGreaterThan(2);
    const j = judgeStory(
      s,
      [
        { symbol: 'BRX', side: 'long', sharePct: 6 },
        { symbol: 'HRT.B', side: 'short', sharePct: 2 },
      ],
      'BRX',
    );
    expect(j.summary.exposures.map((e) => [e.symbol, e.impact])).toEqual([
      ['BRX', 'negative'],
      ['HRT.B', 'positive'],
    ]);
    expect(j.summary.combinedNavEffectPct).toBeCloseTo(
      j.summary.exposures[0].navEffectPct + j.summary.exposures[1].navEffectPct,
      4,
    );
  });
});
