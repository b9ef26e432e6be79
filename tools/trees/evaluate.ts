/**
 * Held-out figures of an exported tree model: ORT on the file against the JS forest, with and
 * without the news columns, the merged score and its bands on the test runs, TreeSHAP importance
 * and the latency of the tree step.
 */
import type { MergeLogit, ProbabilityBands } from '@risk/scoring/merge';
import { bandOf, mergedProbability } from '@risk/scoring/merge';
import {
  buildFeatures,
  FEATURE_COUNT,
  FEATURE_NAMES,
  measureTreeLatency,
  predictProbability,
  TreeExplainer,
  type TreeEnsemble,
  type TreeScorer,
} from '@risk/scoring/trees';
import type { Sample } from './dataset';
import { brier, fmt, heldOutFigures, rocAuc, type Figures } from './figures';
import { stack } from './forest';

type Quality = { auc: number; brier: number };
export type BandFigures = Record<
  'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL',
  { n: number; share: number; badRate: number }
>;

export interface ModelEvaluation {
  bandFigures: BandFigures;
  holdoutWithoutNews: Quality;
  merged: { holdout: Quality; test: Quality };
  nodes: number;
  figures: { holdout: Figures; test: Figures };
  ortVsJsMaxDiff: number;
  shapSumMaxError: number;
  expectedValue: number;
  importance: { name: string; meanAbsShap: number }[];
  latency: Awaited<ReturnType<typeof measureTreeLatency>>;
}

export async function evaluateModel(m: {
  scorer: TreeScorer;
  ensemble: TreeEnsemble;
  predictJs: (xs: number[][]) => number[];
  holdout: readonly Sample[];
  test: readonly Sample[];
  trainBadRate: number;
  mergeLogit: MergeLogit;
  bands: ProbabilityBands;
}): Promise<ModelEvaluation> {
  const { scorer, ensemble, predictJs, holdout, test, mergeLogit, bands } = m;
  const base = m.trainBadRate;
  // Held-out figures: ORT on the exported file, compared with the JS forest itself.
  const hx = stack(holdout);
  const pOrt = await scorer.score(hx, holdout.length);
  const pJs = predictJs(holdout.map((s) => Array.from(s.x)));
  let maxDiff = 0;
  for (let i = 0; i < holdout.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(pOrt[i] - pJs[i]));
    maxDiff = Math.max(
      maxDiff,
      Math.abs(pOrt[i] - predictProbability(ensemble, hx, i * FEATURE_COUNT)),
    );
  }
  const holdoutFigures = heldOutFigures(holdout, pOrt, base);
  // The same rows with the news columns set to "no news": what the judgement adds on held-out runs.
  const blank = new Float32Array(hx);
  const first = holdout.find((r) => r.input !== undefined)?.input;
  if (first === undefined) throw new Error('no held-out input kept');
  const noNews = buildFeatures({ ...first, news: null });
  const newsCols = FEATURE_NAMES.flatMap((n, f) => (n.startsWith('news_') ? [f] : []));
  for (let i = 0; i < holdout.length; i++)
    for (const f of newsCols) blank[i * FEATURE_COUNT + f] = noNews[f];
  const pBlank = await scorer.score(blank, holdout.length);
  const holdoutBad = holdout.map((r) => r.bad);
  const withoutNews = { auc: rocAuc(pBlank, holdoutBad), brier: brier(pBlank, holdoutBad) };
  console.log(
    `holdout: trees ${fmt(holdoutFigures.trees.auc, 4)} / ${fmt(holdoutFigures.trees.brier, 5)}, news columns blanked ${fmt(withoutNews.auc, 4)} / ${fmt(withoutNews.brier, 5)}`,
  );
  const pTest = await scorer.score(stack(test), test.length);
  const testFigures = heldOutFigures(test, pTest, base);
  const mergedTest = test.map((r, i) =>
    mergedProbability(pTest[i], r.judgement, mergeLogit, r.sigma),
  );
  const mergedHoldout = holdout.map((r, i) =>
    mergedProbability(pOrt[i], r.judgement, mergeLogit, r.sigma),
  );
  const testBad = test.map((r) => r.bad);
  const merged = {
    holdout: { auc: rocAuc(mergedHoldout, holdoutBad), brier: brier(mergedHoldout, holdoutBad) },
    test: { auc: rocAuc(mergedTest, testBad), brier: brier(mergedTest, testBad) },
  };
  console.log(`merge ${JSON.stringify(mergeLogit)}; merged ${JSON.stringify(merged)}`);
  // The merge's bands, and what they mean on the test runs (share of evaluations, bad rate).
  const bandFigures = Object.fromEntries(
    (['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const).map((level) => {
      const idx = test.flatMap((_, i) => (bandOf(mergedTest[i], bands) === level ? [i] : []));
      const bad = idx.reduce((a, i) => a + test[i].bad, 0);
      return [
        level,
        {
          n: idx.length,
          share: idx.length / test.length,
          badRate: idx.length ? bad / idx.length : 0,
        },
      ];
    }),
  ) as BandFigures;

  // Importance: mean |SHAP| over the held-out set (P units).
  const explainer = new TreeExplainer(ensemble);
  const meanAbs = new Float64Array(FEATURE_COUNT);
  const phi = new Float64Array(FEATURE_COUNT);
  let maxSumErr = 0;
  for (let i = 0; i < holdout.length; i++) {
    explainer.shap(hx, i * FEATURE_COUNT, phi);
    let s = 0;
    for (let f = 0; f < FEATURE_COUNT; f++) {
      meanAbs[f] += Math.abs(phi[f]) / holdout.length;
      s += phi[f];
    }
    const margin = predictProbability(ensemble, hx, i * FEATURE_COUNT);
    maxSumErr = Math.max(maxSumErr, Math.abs(s - (margin - explainer.expectedValue)));
  }
  const importance = FEATURE_NAMES.map((name, f) => ({ name, meanAbsShap: meanAbs[f] })).sort(
    (a, b) => b.meanAbsShap - a.meanAbsShap,
  );
  const benchInputs = holdout.flatMap((h) => (h.input ? [h.input] : []));
  const latency = await measureTreeLatency(scorer, benchInputs, 5000, 500);
  return {
    bandFigures,
    holdoutWithoutNews: withoutNews,
    merged,
    nodes: ensemble.trees.reduce((a, t) => a + t.mode.length, 0),
    figures: { holdout: holdoutFigures, test: testFigures },
    ortVsJsMaxDiff: maxDiff,
    shapSumMaxError: maxSumErr,
    expectedValue: explainer.expectedValue,
    importance,
    latency,
  };
}
