/**
 * @jest-environment <rootDir>/tools/reasoning/src/graph/ort-test-environment.ts
 */
import * as path from 'node:path';
import { RandomForestRegression } from 'ml-random-forest';
import * as ort from 'onnxruntime-node';
import { FEATURE_COUNT, FEATURE_NAMES, FEATURES_VERSION } from './features';
import { ensembleFromMlForest, type MlForestJson } from './from-mljs';
import {
  buildSkl2onnxStyleModel,
  exportTreeEnsembleOnnx,
  parseTreeEnsemble,
  prepareTreeModel,
} from './onnx-trees';
import { onnx } from 'onnx-proto';
import { makeTree, NODE_MODES, predictProbability, type TreeEnsemble } from './tree-ensemble';
import { TreeScorer } from './tree-scorer';

function seeded(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 16807) % 2147483647) / 2147483647;
}

const F = 5;
const ROWS = 240;

/** A small probability forest trained by ml-random-forest, as train-trees.ts trains the real one. */
function trainSmallForest(): {
  forest: RandomForestRegression;
  X: Float32Array;
  ens: TreeEnsemble;
} {
  const rng = seeded(3);
  const X = new Float32Array(ROWS * F);
  const rows: number[][] = [];
  const y: number[] = [];
  for (let r = 0; r < ROWS; r++) {
    const row = Array.from({ length: F }, () => Math.fround(rng() * 2 - 0.5));
    X.set(row, r * F);
    rows.push(row);
    y.push(row[0] + 0.5 * row[1] * row[2] + 0.3 * rng() > 0.7 ? 1 : 0);
  }
  const forest = new RandomForestRegression({
    nEstimators: 12,
    maxFeatures: 0.8,
    replacement: false,
    useSampleBagging: true,
    seed: 5,
    treeOptions: { maxDepth: 5, minNumSamples: 5 },
    noOOB: true,
    isClassifier: false,
    selectionMethod: 'mean',
  });
  forest.train(rows, y);
  const json = JSON.parse(JSON.stringify(forest.toJSON())) as MlForestJson;
  return { forest, X, ens: ensembleFromMlForest(json, F, X) };
}

const meta = {
  modelId: 'test-trees@1',
  featureNames: ['a', 'b', 'c', 'd', 'e'],
  featuresVersion: 'test@1',
  extra: { leaf_scale: '12' },
};

describe('TreeScorer (onnxruntime-node)', () => {
  const { forest, X, ens } = trainSmallForest();

  it('scores the exported forest as the JS forest predicts (≤ 1e-5)', async () => {
    const scorer = await TreeScorer.load(exportTreeEnsembleOnnx(ens, meta));
    try {
      expect(scorer.layout).toMatchObject({
        inputName: 'features',
        probabilityOutput: 'probabilities',
        positiveColumn: 1,
        zipMapped: false,
        featureCount: F,
      });
      expect(scorer.modelId).toBe('test-trees@1');
      expect(scorer.featureNames).toEqual(meta.featureNames);
      // Off-grid inputs too: thresholds must agree between float64 ml-cart and float32 ORT.
      const probe = new Float32Array(X.length);
      const rng = seeded(9);
      for (let i = 0; i < probe.length; i++)
        probe[i] = i % 3 === 0 ? X[i] : Math.fround(rng() * 2 - 0.5);
      for (const batch of [X, probe]) {
        const p = await scorer.score(batch, ROWS);
        const rows = Array.from({ length: ROWS }, (_, r) =>
          Array.from(batch.subarray(r * F, r * F + F)),
        );
        const js = forest.predict(rows);
        for (let r = 0; r < ROWS; r++) {
          expect(Math.abs(p[r] - js[r])).toBeLessThanOrEqual(1e-5);
          expect(
            Math.abs(p[r] - predictProbability(scorer.ensemble, batch, r * F)),
          ).toBeLessThanOrEqual(1e-5);
        }
      }
      // A row viewed inside a larger buffer (non-zero byteOffset) scores as that row.
      const all = await scorer.score(X, ROWS);
      const one = await scorer.score(X.subarray(7 * F, 8 * F), 1);
      expect(one).toHaveLength(1);
      expect(one[0]).toBe(all[7]);
    } finally {
      await scorer.release();
    }
  });

  it('round-trips the trees through the ONNX attributes', () => {
    const parsed = parseTreeEnsemble(onnx.ModelProto.decode(exportTreeEnsembleOnnx(ens, meta)));
    expect(parsed.trees).toHaveLength(ens.trees.length);
    expect(parsed.hasCovers).toBe(true);
    parsed.trees.forEach((t, i) => {
      expect(Array.from(t.threshold)).toEqual(Array.from(ens.trees[i].threshold));
      expect(Array.from(t.cover)).toEqual(Array.from(ens.trees[i].cover).map(Math.fround));
      t.value.forEach((v, j) => expect(Math.abs(v - ens.trees[i].value[j])).toBeLessThan(1e-7));
    });
  });

  it('loads and scores a model in skl2onnx layout (ZipMap output)', async () => {
    const bytes = buildSkl2onnxStyleModel(ens);
    // The graph as skl2onnx writes it: onnxruntime-node cannot return its sequence of maps.
    const raw = await ort.InferenceSession.create(bytes);
    expect(raw.inputNames).toEqual(['float_input']);
    expect(raw.outputNames).toEqual(['output_label', 'output_probability']);
    await expect(
      raw.run({ float_input: new ort.Tensor('float32', X.subarray(0, F), [1, F]) }),
    ).rejects.toThrow(/Non tensor type/);
    await raw.release();

    expect(prepareTreeModel(bytes).layout).toMatchObject({
      inputName: 'float_input',
      probabilityOutput: 'probabilities',
      zipMapped: true,
    });
    const scorer = await TreeScorer.load(bytes);
    try {
      const p = await scorer.score(X, ROWS);
      const rows = Array.from({ length: ROWS }, (_, r) => Array.from(X.subarray(r * F, r * F + F)));
      const js = forest.predict(rows);
      for (let r = 0; r < ROWS; r++) expect(Math.abs(p[r] - js[r])).toBeLessThanOrEqual(1e-5);
      // No covers in the file (hitrates 1.0): SHAP falls back to 50/50 splits, still exact sums.
      expect(scorer.ensemble.hasCovers).toBe(false);
      const e = scorer.explain(X.subarray(0, F));
      const sum = e.shap.reduce((a, b) => a + b, 0);
      expect(Math.abs(e.expectedValue + sum - e.margin)).toBeLessThan(1e-6);
      expect(Math.abs(e.probability - p[0])).toBeLessThan(1e-5);
    } finally {
      await scorer.release();
    }
  });

  it('applies LOGISTIC and base values like a boosted (LightGBM/XGBoost-style) binary model', async () => {
    const LEQ = NODE_MODES.indexOf('BRANCH_LEQ');
    const LEAF = NODE_MODES.indexOf('LEAF');
    const stump = (f: number, t: number, lo: number, hi: number): ReturnType<typeof makeTree> =>
      makeTree({
        feature: [f, 0, 0],
        threshold: [t, 0, 0],
        mode: [LEQ, LEAF, LEAF],
        yes: [1, 0, 0],
        no: [2, 0, 0],
        value: [0, lo, hi],
        cover: [10, 6, 4],
      });
    const gbm: TreeEnsemble = {
      trees: [stump(0, 0.5, -1.5, 2), stump(1, 0.1, 0.3, -0.7)],
      featureCount: 2,
      base: 0.3,
      postTransform: 'LOGISTIC',
      hasCovers: true,
    };
    const scorer = await TreeScorer.load(
      exportTreeEnsembleOnnx(gbm, {
        modelId: 'gbm@1',
        featureNames: ['u', 'v'],
        featuresVersion: 't',
      }),
    );
    try {
      const batch = Float32Array.from([0.2, 0, 0.9, 0.4, 0.5, 0.1]);
      const p = await scorer.score(batch, 3);
      for (let r = 0; r < 3; r++) {
        expect(Math.abs(p[r] - predictProbability(gbm, batch, r * 2))).toBeLessThan(1e-6);
      }
      expect(p[0]).toBeCloseTo(1 / (1 + Math.exp(-(0.3 - 1.5 + 0.3))), 6);
    } finally {
      await scorer.release();
    }
  });

  it('loads the shipped model with its feature names and explains a row', async () => {
    const scorer = await TreeScorer.load(
      path.resolve(__dirname, '../../../../models/risk-trees/model.onnx'),
    );
    try {
      expect(scorer.featureNames).toEqual([...FEATURE_NAMES]);
      expect(scorer.layout.metadata.features_version).toBe(FEATURES_VERSION);
      expect(scorer.featureCount).toBe(FEATURE_COUNT);
      // The merge's calibration travels with the model: increasing bands, a positive tree weight.
      expect(scorer.bands).not.toBeNull();
      expect(scorer.bands!.MEDIUM).toBeLessThan(scorer.bands!.HIGH);
      expect(scorer.mergeLogit).not.toBeNull();
      expect(scorer.mergeLogit!.tree).toBeGreaterThan(0);
      // The jump-diffusion probability raises the merged risk, and a severe-negative impact is
      // a larger loss than a negative one.
      expect(scorer.mergeLogit!.jump).toBeGreaterThan(0);
      expect(scorer.mergeLogit!.impacts.severe).toBeLessThan(scorer.mergeLogit!.impacts.negative);
      expect(scorer.mergeLogit!.impacts.negative).toBeLessThan(0);
      expect(scorer.mergeLogit!.impacts.positive).toBeGreaterThan(0);
      const row = new Float32Array(FEATURE_COUNT);
      row[FEATURE_NAMES.indexOf('news_p_neutral')] = 1;
      row[FEATURE_NAMES.indexOf('news_age_s')] = 600;
      row[FEATURE_NAMES.indexOf('var99_nav')] = 0.08;
      row[FEATURE_NAMES.indexOf('gross_leverage')] = 1.8;
      const [p] = await scorer.score(row, 1);
      expect(p).toBeGreaterThanOrEqual(0);
      expect(p).toBeLessThanOrEqual(1);
      const e = scorer.explain(row, 0, { topK: 3, paths: 2 });
      expect(Math.abs(e.probability - p)).toBeLessThan(1e-5);
      const sum = e.shap.reduce((a, b) => a + b, 0);
      expect(Math.abs(e.expectedValue + sum - e.margin)).toBeLessThan(1e-6);
      expect(e.top.length).toBeLessThanOrEqual(3);
      expect(e.paths).toHaveLength(2);
      expect(e.paths[0]).toMatch(/^tree \d+: .+ → leaf p=[0-9.e-]+$/);
    } finally {
      await scorer.release();
    }
  });
});
