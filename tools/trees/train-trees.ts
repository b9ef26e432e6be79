/**
 * Rebuilds models/risk-trees/ (`npm run model:trees`, docs/tree-scoring.md): simulates markets,
 * labels each evaluation with the loss that followed (dataset.ts), trains a probability random
 * forest (forest.ts), fits the merge (merge-fit.ts), exports it to ONNX with held-out figures
 * (export.ts, evaluate.ts, model-card.ts). Seeded and reproducible.
 *
 * Options: --proxy (the noisy proxy instead of the news judgements), --decoder (the reasoning
 * model's judgements instead of the news understanding's: the service merges the latter),
 * --reasoner DIR (the decoder, from DIR), --classifier FILE (other news-understanding heads),
 * --explore (label and feature diagnostics only); TREES_OUT (output folder), TREES_HP (JSON
 * hyperparameter overrides, forest.ts).
 */
import * as path from 'node:path';
import { LOSS_HORIZON_MINUTES, LOSS_THRESHOLD } from '@risk/contracts/loss-label';
import {
  predictProbability,
  FEATURE_COUNT,
  FEATURES_VERSION,
  TreeScorer,
} from '@risk/scoring/trees';
import {
  HOLDOUT_SEEDS,
  SIM,
  simulateRun,
  storyReturn,
  TEST_SEEDS,
  TRAIN_SEEDS,
  VOL_SCALES,
  type Probs,
  type RunHooks,
  type Sample,
} from './dataset';
import { evaluateModel } from './evaluate';
import { explore } from './explore';
import { MODEL_ID, writeModel, writeReport } from './export';
import { fmt } from './figures';
import { HYPERPARAMETERS, stack, trainForests } from './forest';
import {
  recordedJudge,
  recordedJudgements,
  SHIPPED_REASONER_DIR,
  SHIPPED_UNDERSTANDING,
  type JudgementSource,
} from './judgements';
import { calibrateMerge, fitImpacts, fitImpactsFromJudgements } from './merge-fit';

/** TREES_OUT writes elsewhere (hyperparameter sweeps); the shipped model lives in risk-trees/. */
const OUT_DIR = path.resolve(
  process.env.TREES_OUT ?? path.join(__dirname, '..', '..', 'models', 'risk-trees'),
);

/** The service's judge by default: the news understanding (ReasoningJudge merges its reading). */
function judgementSource(argv: readonly string[]): JudgementSource {
  if (argv.includes('--proxy')) return { proxy: true };
  const i = argv.indexOf('--reasoner');
  if (i >= 0 || argv.includes('--decoder'))
    return { proxy: false, reasonerDir: i >= 0 ? argv[i + 1] : SHIPPED_REASONER_DIR };
  const c = argv.indexOf('--classifier');
  return {
    proxy: false,
    encoder: true,
    classifier: c >= 0 ? path.resolve(argv[c + 1]) : SHIPPED_UNDERSTANDING,
  };
}

const rate = (xs: readonly Sample[]): number => xs.reduce((a, s) => a + s.bad, 0) / xs.length;

async function main(): Promise<void> {
  const t0 = Date.now();
  // The run index within its own set picks the volatility regime.
  const allRuns = [...TRAIN_SEEDS, ...HOLDOUT_SEEDS, ...TEST_SEEDS].map((seed, i) => ({
    seed,
    run: i < TRAIN_SEEDS.length ? i : (i - TRAIN_SEEDS.length) % HOLDOUT_SEEDS.length,
  }));
  const judgements = await recordedJudgements(allRuns, judgementSource(process.argv));
  const hooks: RunHooks = judgements.judged ? { judge: recordedJudge(judgements.judged) } : {};
  // The training runs also measure what each impact class means for the position: the returns
  // the judge's classes stood for (fitImpactsFromJudgements; the proxy: by the return's own class).
  const storyReturns: number[] = [];
  const storyJudgements: Probs[] = [];
  const train = TRAIN_SEEDS.flatMap((s, i) =>
    simulateRun(s, i, {
      judge: (req) => {
        const p = hooks.judge ? hooks.judge(req) : req.proxy;
        const r = storyReturn(req);
        if (r !== null) {
          storyReturns.push(r);
          storyJudgements.push(p);
        }
        return p;
      },
    }),
  );
  const impacts = judgements.judged
    ? fitImpactsFromJudgements(storyReturns, storyJudgements)
    : fitImpacts(storyReturns);
  const holdout = HOLDOUT_SEEDS.flatMap((s, i) => simulateRun(s, i, hooks));
  console.log(
    `samples: train ${train.length} (bad ${fmt(rate(train), 3)}), holdout ${holdout.length} (bad ${fmt(rate(holdout), 3)}) in ${Date.now() - t0} ms`,
  );
  if (process.argv.includes('--explore')) return explore(train, holdout);

  const { used, ensemble, trainMs, predictJs } = trainForests(train);
  // The merge, calibrated on the held-out runs (the JS ensemble = ORT to 1e-7, checked below).
  const hx = stack(holdout);
  const pHoldout = holdout.map((_, i) => predictProbability(ensemble, hx, i * FEATURE_COUNT));
  const merge = calibrateMerge(pHoldout, holdout, impacts, rate(train));
  const { bytes, modelPath } = await writeModel(OUT_DIR, ensemble, merge, judgements.source);

  const scorer = await TreeScorer.load(modelPath);
  const test = TEST_SEEDS.flatMap((s, i) => simulateRun(s, i, hooks));
  const evaluation = await evaluateModel({
    scorer,
    ensemble,
    predictJs,
    holdout,
    test,
    trainBadRate: rate(train),
    ...merge,
  });
  const report = {
    modelId: MODEL_ID,
    featuresVersion: FEATURES_VERSION,
    label: { horizonMinutes: LOSS_HORIZON_MINUTES, lossThreshold: LOSS_THRESHOLD },
    simulation: {
      ...SIM,
      trainSeeds: TRAIN_SEEDS,
      holdoutSeeds: HOLDOUT_SEEDS,
      volScales: VOL_SCALES,
    },
    samples: {
      train: train.length,
      trainRowsUsed: used.length,
      trainBadRate: rate(train),
      holdout: holdout.length,
      holdoutBadRate: rate(holdout),
    },
    hyperparameters: HYPERPARAMETERS,
    newsJudgements: {
      source: judgements.source,
      count: judgements.count,
      seconds: judgements.seconds,
    },
    bands: merge.bands,
    bandFigures: evaluation.bandFigures,
    holdoutWithoutNews: evaluation.holdoutWithoutNews,
    mergeLogit: merge.mergeLogit,
    storyReturns: storyReturns.length,
    merged: evaluation.merged,
    trainMs,
    nodes: evaluation.nodes,
    bytes: bytes.length,
    figures: evaluation.figures,
    ortVsJsMaxDiff: evaluation.ortVsJsMaxDiff,
    shapSumMaxError: evaluation.shapSumMaxError,
    expectedValue: evaluation.expectedValue,
    importance: evaluation.importance,
    latency: evaluation.latency,
  };
  await writeReport(OUT_DIR, report);
  await scorer.release();
  console.log(JSON.stringify({ ...report, importance: report.importance.slice(0, 8) }, null, 2));
  console.log(`done in ${Date.now() - t0} ms`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
