/** Training of the probability forest (ml-random-forest) and its ensemble for export. */
import { RandomForestRegression } from 'ml-random-forest';
import {
  ensembleFromMlForest,
  FEATURE_COUNT,
  type MlForestJson,
  type TreeEnsemble,
} from '@risk/scoring/trees';
/* eslint-disable-next-line no-restricted-imports -- the simulator is a script: no alias */
import { mulberry32, type Rng } from '../../scripts/simulator/prng';
import type { Sample } from './dataset';

const SHIPPED_HYPERPARAMETERS = {
  forests: 1,
  treesPerForest: 48,
  rowsPerForest: 6000,
  /** 'all': every news-triggered training row is among the rows used; 'random': no preference. */
  newsRows: 'random' as 'all' | 'random',
  maxFeatures: 1.0,
  replacement: false,
  useSampleBagging: true,
  seed: 20261130,
  treeOptions: {
    maxDepth: 4,
    minNumSamples: 300,
  },
} as const;

/** TREES_HP (JSON, e.g. `{"treeOptions":{"maxDepth":6}}`) overrides settings for a sweep. */
function hyperparameters(): typeof SHIPPED_HYPERPARAMETERS {
  const over = JSON.parse(process.env.TREES_HP ?? '{}') as Partial<{
    forests: number;
    treesPerForest: number;
    rowsPerForest: number;
    newsRows: 'all' | 'random';
    treeOptions: { maxDepth?: number; minNumSamples?: number };
  }>;
  return {
    ...SHIPPED_HYPERPARAMETERS,
    ...over,
    treeOptions: { ...SHIPPED_HYPERPARAMETERS.treeOptions, ...over.treeOptions },
  } as typeof SHIPPED_HYPERPARAMETERS;
}
export const HYPERPARAMETERS = hyperparameters();

function shuffle<T>(items: T[], rng: Rng): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

export function stack(samples: readonly Sample[]): Float32Array {
  const m = new Float32Array(samples.length * FEATURE_COUNT);
  samples.forEach((s, i) => m.set(s.x, i * FEATURE_COUNT));
  return m;
}

export interface TrainedForest {
  forests: RandomForestRegression[];
  /** The training rows the forests saw. */
  used: Sample[];
  ensemble: TreeEnsemble;
  trainMs: number;
  /** The JS forests' own mean prediction (to check the export against). */
  predictJs: (xs: number[][]) => number[];
}

/** Trains HYPERPARAMETERS.forests forests on random training rows and averages their trees. */
export function trainForests(train: readonly Sample[]): TrainedForest {
  // Each forest trains on its own random rows (ml-cart's split search is quadratic in the rows
  // of a node, so a forest of few rows each sees more of the data than one forest of many).
  const shuffled = shuffle([...train], mulberry32(HYPERPARAMETERS.seed));
  const perForest = HYPERPARAMETERS.rowsPerForest;
  const budget = Math.min(shuffled.length, perForest * HYPERPARAMETERS.forests);
  // Every news-triggered row (a few % of all) and random others: the rows are chosen by a feature
  // (news age 0), so each leaf still estimates P(bad | x) without bias.
  const used =
    HYPERPARAMETERS.newsRows === 'all'
      ? shuffle(
          [
            ...shuffled.filter((r) => r.trigger === 'news'),
            ...shuffled.filter((r) => r.trigger !== 'news'),
          ].slice(0, budget),
          mulberry32(HYPERPARAMETERS.seed + 1),
        )
      : shuffled.slice(0, budget);
  const forests: RandomForestRegression[] = [];
  const tTrain = Date.now();
  for (let k = 0; k < HYPERPARAMETERS.forests; k++) {
    const rows = used.slice(k * perForest, (k + 1) * perForest);
    const forest = new RandomForestRegression({
      nEstimators: HYPERPARAMETERS.treesPerForest,
      maxFeatures: HYPERPARAMETERS.maxFeatures,
      replacement: HYPERPARAMETERS.replacement,
      useSampleBagging: HYPERPARAMETERS.useSampleBagging,
      seed: HYPERPARAMETERS.seed + k,
      treeOptions: HYPERPARAMETERS.treeOptions,
      noOOB: true,
      isClassifier: false,
      selectionMethod: 'mean',
    });
    forest.train(
      rows.map((s) => Array.from(s.x)),
      rows.map((s) => s.bad),
    );
    forests.push(forest);
  }
  const trainMs = Date.now() - tTrain;
  const json = forests.map((f) => JSON.parse(JSON.stringify(f.toJSON())) as MlForestJson);
  const ensemble = ensembleFromMlForest(json, FEATURE_COUNT, stack(used));
  const predictJs = (xs: number[][]): number[] => {
    const per = forests.map((f) => f.predict(xs));
    return xs.map((_, i) => per.reduce((a, p) => a + p[i], 0) / per.length);
  };
  return { forests, used, ensemble, trainMs, predictJs };
}
