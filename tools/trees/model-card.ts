/** The model card (models/risk-trees/MODEL_CARD.md), written from the training report. */
import {
  LOSS_HORIZON_MINUTES,
  LOSS_HORIZON_TEXT,
  LOSS_THRESHOLD_TEXT,
} from '@risk/contracts/loss-label';
import type { MergeLogit, ProbabilityBands } from '@risk/scoring/merge';
import { FEATURE_COUNT, FEATURES_VERSION } from '@risk/scoring/trees';
import { HOLDOUT_SEEDS, SIM, TEST_SEEDS, TRAIN_SEEDS, VOL_SCALES } from './dataset';
import type { ModelEvaluation } from './evaluate';
import { HYPERPARAMETERS } from './forest';

/** What the training run measured, as the report file and the model card show it. */
export type Report = {
  modelId: string;
  newsJudgements: { source: string; count: number; seconds: number };
  bands: ProbabilityBands;
  mergeLogit: MergeLogit;
  storyReturns: number;
  samples: {
    train: number;
    trainRowsUsed: number;
    trainBadRate: number;
    holdout: number;
    holdoutBadRate: number;
  };
  trainMs: number;
  bytes: number;
} & Omit<ModelEvaluation, 'holdoutWithoutNews'>;

export function modelCard(r: Report): string {
  const hp = HYPERPARAMETERS;
  return `# Model card: ${r.modelId}

Written by \`npm run model:trees\` (tools/trees/train-trees.ts); do not edit by hand.
Method and features: docs/tree-scoring.md.

## What it predicts

P(bad outcome) of one portfolio evaluation, where **bad = the book as held at the evaluation
loses more than ${LOSS_THRESHOLD_TEXT} of its nav within the next ${LOSS_HORIZON_MINUTES} minutes**
(mark-to-market of the positions held at the evaluation, at the last tick at or before t + ${LOSS_HORIZON_TEXT}).
Input: the ${FEATURE_COUNT} features of \`${FEATURES_VERSION}\` (FEATURE_NAMES), float32 [N, ${FEATURE_COUNT}].
File: \`model.onnx\`, ai.onnx.ml TreeEnsembleClassifier, input \`features\`, outputs \`label\` (int64 [N])
and \`probabilities\` (float [N, 2], column 1 = P(bad)); node covers in \`nodes_hitrates\` for TreeSHAP;
${r.bytes} bytes, ${r.nodes} nodes.

## Data

Simulated only (scripts/simulator: GARCH(1,1) prices with market and sector factors, news with
jumps 0.25–3 s after the story), ${SIM.minutes}-minute runs at ${SIM.tickIntervalMs} ms ticks, ${SIM.newsPerMinute} news/min,
${SIM.portfoliosPerRun} random books per run (2–7 names, 20% shorts; 85% run inside their limits at
inception, gross 0.6–1.6× nav, weights ≤ 95% of the weight limit; 15% stretched, gross up to 2.2×),
diffusion vol ×${VOL_SCALES.join(', ×')} by run. Metrics from @risk/risk-metrics on the replayed ticks
(InstrumentBook defaults: 1-minute EWMA buckets, λ = 0.94); evaluations every ${SIM.gridMs / 1000} s after a
${SIM.warmupMs / 60_000}-minute warm-up and at every news about a held name.
News judgement features: ${
    r.newsJudgements.count > 0
      ? `the judge's own probabilities, recorded by running
${r.newsJudgements.source} on every story about a held name (${r.newsJudgements.count} judgements, ${r.newsJudgements.seconds.toFixed(0)} s), in event order`
      : 'a noisy proxy of the true story (--proxy)'
  }.

- Training: seeds ${TRAIN_SEEDS[0]}–${TRAIN_SEEDS[TRAIN_SEEDS.length - 1]}, ${r.samples.train} evaluations, bad rate ${r.samples.trainBadRate.toFixed(3)}; ${r.samples.trainRowsUsed} drawn at random to train.
- Held out and test: the seeds below (other markets and books), same simulation settings.

## Training

ml-random-forest 2.1.0 (mljs, on ml-cart 2.1.1): a *probability forest*, i.e.
RandomForestRegression on 0/1 targets (squared-error splits = Gini on 0/1), mean of the trees.
Hyperparameters: ${hp.forests} forest(s) × ${hp.treesPerForest} trees = ${hp.forests * hp.treesPerForest} trees, each forest on its own
${hp.rowsPerForest} random training rows (bootstrap within), maxDepth ${hp.treeOptions.maxDepth}, minNumSamples ${hp.treeOptions.minNumSamples},
${hp.maxFeatures * 100}% of the features per tree (mljs bags features per tree, not per split), seeds ${hp.seed}+k.
The exported ensemble averages all the trees (leaf weight = leaf mean / number of trees).
Training took ${(r.trainMs / 1000).toFixed(1)} s.

## Held-out figures

Two sets of other markets and other books: *held out* (seeds ${HOLDOUT_SEEDS[0]}–${HOLDOUT_SEEDS[HOLDOUT_SEEDS.length - 1]}), on which the
hyperparameters were chosen among five settings, and *test* (seeds ${TEST_SEEDS[0]}–${TEST_SEEDS[TEST_SEEDS.length - 1]}), looked at only
after the model was fixed.

| set | n | bad rate | trees AUC | trees Brier | rules AUC | rules Brier | constant Brier | news-triggered n | trees AUC | rules AUC |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
${(['holdout', 'test'] as const)
  .map((k) => {
    const f = r.figures[k];
    return `| ${k} | ${f.n} | ${f.badRate.toFixed(3)} | ${f.trees.auc.toFixed(4)} | ${f.trees.brier.toFixed(4)} | ${f.rules.auc.toFixed(4)} | ${f.rules.brier.toFixed(4)} | ${f.constant.brier.toFixed(4)} | ${f.newsOnly.n} | ${f.newsOnly.treesAuc.toFixed(4)} | ${f.newsOnly.rulesAuc.toFixed(4)} |`;
  })
  .join('\n')}

Trees = ORT on model.onnx; rules = the interim \`ruleScore\` of @risk/risk-metrics on the same
evaluations (a limit-utilisation score, not a probability: its Brier is shown for completeness);
constant = the training bad rate. The label is noisy by nature (most ${LOSS_HORIZON_MINUTES}-minute losses come
from news that has not happened yet), so AUCs near 0.6 are what the features allow here.
ORT vs the JS forest: max |ΔP| = ${r.ortVsJsMaxDiff.toExponential(2)}. TreeSHAP sum check: max error ${r.shapSumMaxError.toExponential(2)}.
Expected value (mean P under the training covers): ${r.expectedValue.toFixed(4)}.

## Merge (calibration)

The merge (\`merge@3\`, libs/scoring/src/merge.ts) reads its coefficients from this model's
metadata (\`merge_logit\`), fitted by logistic regression on the held-out runs:
P = σ(${r.mergeLogit.intercept} + ${r.mergeLogit.tree} · logit(p_trees) + ${r.mergeLogit.jump} · logit(p_jump)),
p_jump = Σ_k p_k · Φ((−s · ret_k − ${LOSS_THRESHOLD_TEXT}) / σ) the jump-diffusion probability (σ = the book's
${LOSS_HORIZON_MINUTES}-minute σ as a share of nav, s = the share of nav of the position the latest news, younger
than 30 s, is about, p_k the judge's impact probabilities; without fresh news
Φ(−${LOSS_THRESHOLD_TEXT} / σ)). The returns per impact class, measured on ${r.storyReturns} stories of the training
runs (\`fitImpactsFromJudgements\`: each story's return weighted by the probability the judge gave
the class): severe negative ${(r.mergeLogit.impacts.severe * 100).toFixed(2)}%, negative
${(r.mergeLogit.impacts.negative * 100).toFixed(2)}%, neutral 0, positive +${(r.mergeLogit.impacts.positive * 100).toFixed(2)}%.

| set | trees AUC | trees Brier | merged AUC | merged Brier |
| --- | --- | --- | --- | --- |
| holdout (fitted here) | ${r.figures.holdout.trees.auc.toFixed(4)} | ${r.figures.holdout.trees.brier.toFixed(4)} | ${r.merged.holdout.auc.toFixed(4)} | ${r.merged.holdout.brier.toFixed(4)} |
| test | ${r.figures.test.trees.auc.toFixed(4)} | ${r.figures.test.trees.brier.toFixed(4)} | ${r.merged.test.auc.toFixed(4)} | ${r.merged.test.brier.toFixed(4)} |

### Bands

The probability bands come from the same metadata (\`merge_bands\`): each band starts at the
lowest merged probability above which the observed bad rate
on the held-out runs is still at least 2× (MEDIUM), 4× (HIGH) and 8× (CRITICAL) the training bad
rate (${r.samples.trainBadRate.toFixed(4)}), among at least 30 evaluations (\`bandsFromOutcomes\`; a band
no score reaches starts at 1): **MEDIUM ≥ ${r.bands.MEDIUM}, HIGH ≥ ${r.bands.HIGH}, CRITICAL ≥ ${r.bands.CRITICAL}**. On the test runs:

| band | evaluations | share | observed bad rate |
| --- | --- | --- | --- |
${(['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const)
  .map((l) => {
    const b = r.bandFigures[l];
    return `| ${l} | ${b.n} | ${(b.share * 100).toFixed(1)}% | ${b.n ? b.badRate.toFixed(3) : '-'} |`;
  })
  .join('\n')}

The level is then the highest of the band, the hard-limit floor and the news floor.

## Latency of the tree step (features → ORT run → TreeSHAP + top path), one row

Measured by measureTreeLatency at training time on the build machine (5000 rows after 500 warm-up):
p50 ${r.latency.p50Ms.toFixed(4)} ms, p99 ${r.latency.p99Ms.toFixed(4)} ms; ORT run alone p50 ${r.latency.ort.p50Ms.toFixed(4)} / p99 ${r.latency.ort.p99Ms.toFixed(4)} ms;
explanation alone p50 ${r.latency.explain.p50Ms.toFixed(4)} / p99 ${r.latency.explain.p99Ms.toFixed(4)} ms.

## Feature importance (mean |SHAP| on the held-out set, P units)

| feature | mean abs SHAP |
| --- | --- |
${r.importance.map((i) => `| ${i.name} | ${i.meanAbsShap.toFixed(5)} |`).join('\n')}

## Limits

- Trained on simulated markets only; the label horizon and threshold are a choice, not a desk's.
- The news features are the shipped judge's judgements (the news understanding's, unless the
  card says otherwise): a new encoder, new heads or a new reasoning model needs the trees
  retrained (\`npm run model:trees\` records its judgements first).
- Insolvent books (nav ≤ 0) never occur in training: the ratio features are capped and the limit
  check (solvency → CRITICAL) must decide those.
- A random forest's probabilities are shrunk towards the base rate; use them as a ranking and
  a level input, not as a calibrated frequency, until checked against recorded outcomes.
`;
}
