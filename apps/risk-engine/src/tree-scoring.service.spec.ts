import { EngineCore } from '@risk/engine';
import { ModelStatusRegistry, ServiceMetrics, type AppConfig } from '@risk/platform';
import { FEATURE_COUNT, TreeScorer, assessPortfolio, buildFeatures } from '@risk/scoring';
import { newCore, portfolio } from './testing/engine-fixtures';
import { TreeScoringService, treeFeatureInput } from './tree-scoring.service';

const MODEL = 'models/risk-trees/model.onnx';

/**
 * The verdicts of many portfolios from one model run are those of one run per portfolio (the
 * code before batching: one feature row, one onnxruntime call, one explanation).
 */
describe('TreeScoringService.verdicts', () => {
  let service: TreeScoringService;
  let reference: TreeScorer;

  beforeAll(async () => {
    service = new TreeScoringService(
      { treeModelPath: MODEL } as AppConfig,
      new ServiceMetrics(),
      new ModelStatusRegistry(),
    );
    await service.onModuleInit();
    reference = await TreeScorer.load(MODEL);
  });
  afterAll(async () => {
    await service.onApplicationShutdown();
    await reference.release();
  });

  it('gives each portfolio of a batch the verdict it gets alone', async () => {
    const core = newCore();
    const tsMs = Date.parse('2026-11-30T09:30:00.000Z');
    const states = [
      portfolio('pf-1', [{ symbol: 'AAPL', quantity: 100, price: 180 }]),
      portfolio('pf-2', [
        { symbol: 'AAPL', quantity: -40, price: 180 },
        { symbol: 'MSFT', quantity: 300, price: 410 },
      ]),
      {
        ...portfolio('pf-3', [
          { symbol: 'ACME', quantity: 5_000, price: 12 },
          { symbol: 'AAPL', quantity: 200, price: 180 },
          { symbol: 'MSFT', quantity: 50, price: 410 },
        ]),
        lastNews: {
          newsId: 'n1',
          tsMs: tsMs - 60_000,
          symbols: ['ACME'],
          sharePct: 37.5,
          pSevereNegative: 0.6,
          pNegative: 0.3,
          pNeutral: 0.05,
          pPositive: 0.05,
        },
      },
    ];
    const items = states.map((state) => ({
      state,
      tsMs,
      assessment: assessPortfolio(EngineCore.contextOf(state), core.book),
    }));
    const batch = await service.verdicts(core, items);

    for (const [i, { state, assessment: a }] of items.entries()) {
      const row = buildFeatures(treeFeatureInput(core, state, a, tsMs));
      expect(row).toHaveLength(FEATURE_COUNT);
      const [probability] = await reference.score(row, 1);
      const ex = reference.explain(row, 0, { topK: 4, paths: 1 });
      expect(batch[i]).toMatchObject({
        probability,
        expectedValue: ex.expectedValue,
        top: ex.top.map((c) => ({ feature: c.feature, value: c.value, shap: c.shap })),
        paths: ex.paths,
      });
    }
    // Different books, different verdicts: the rows did not run into each other.
    expect(new Set(batch.map((v) => v?.probability)).size).toBe(3);
    await expect(service.verdict(core, states[2], items[2].assessment, tsMs)).resolves.toEqual(
      batch[2],
    );
  });
});
