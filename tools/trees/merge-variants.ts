/**
 * Diagnostics (not part of the model build; docs/tree-scoring.md § 9): trains the forest as
 * model:trees does (news understanding's judgements; --decoder for the reasoning model's) and
 * compares ways to fit the merge, on the held-out (9000–9007) and test (9100–9107) runs only,
 * never on bench:scoring's seeds. Run with
 * `npx ts-node --transpile-only -r tsconfig-paths/register tools/trees/merge-variants.ts`.
 * Variant C: σ(a + b·logit(p_null) + e·(logit(p_news) − logit(p_null)) + c·logit(p_jump)).
 */
import {
  predictProbability,
  FEATURE_COUNT,
  FEATURE_NAMES,
  buildFeatures,
} from '@risk/scoring/trees';
import { logit, mergedProbability, type MergeLogit } from '@risk/scoring/merge';
import {
  HOLDOUT_SEEDS,
  simulateRun,
  storyReturn,
  TEST_SEEDS,
  TRAIN_SEEDS,
  type Sample,
  type Probs,
} from './dataset';
import { brier, rocAuc } from './figures';
import { stack, trainForests } from './forest';
import {
  recordedJudge,
  recordedJudgements,
  SHIPPED_REASONER_DIR,
  SHIPPED_UNDERSTANDING,
} from './judgements';
import { fitImpacts, fitMergeLogit, fitImpactsFromJudgements } from './merge-fit';
import { jumpLossProbability } from '@risk/scoring/merge';

async function main(): Promise<void> {
  const allRuns = [...TRAIN_SEEDS, ...HOLDOUT_SEEDS, ...TEST_SEEDS].map((seed, i) => ({
    seed,
    run: i < TRAIN_SEEDS.length ? i : (i - TRAIN_SEEDS.length) % HOLDOUT_SEEDS.length,
  }));
  const decoder = process.argv.includes('--decoder');
  const j = await recordedJudgements(
    allRuns,
    decoder
      ? { proxy: false, reasonerDir: SHIPPED_REASONER_DIR }
      : { proxy: false, encoder: true, classifier: SHIPPED_UNDERSTANDING },
  );
  const judge = recordedJudge(j.judged!);
  const rets: number[] = [];
  const probs: Probs[] = [];
  const train = TRAIN_SEEDS.flatMap((s, i) =>
    simulateRun(s, i, {
      judge: (req) => {
        const p = judge(req);
        const r = storyReturn(req);
        if (r !== null) {
          rets.push(r);
          probs.push(p);
        }
        return p;
      },
    }),
  );
  const holdout = HOLDOUT_SEEDS.flatMap((s, i) => simulateRun(s, i, { judge }));
  const test = TEST_SEEDS.flatMap((s, i) => simulateRun(s, i, { judge }));
  const { used, ensemble } = trainForests(train);
  const usedSet = new Set(used);
  const unused = train.filter((s) => !usedSet.has(s));
  const newsCols = FEATURE_NAMES.flatMap((n, f) => (n.startsWith('news_') ? [f] : []));
  const first = train.find((r) => r.input !== undefined)!.input!;
  const noNews = buildFeatures({ ...first, news: null });
  const predict = (set: readonly Sample[], blank: boolean): number[] => {
    const x = stack(set);
    if (blank)
      for (let i = 0; i < set.length; i++)
        for (const f of newsCols) x[i * FEATURE_COUNT + f] = noNews[f];
    return set.map((_, i) => predictProbability(ensemble, x, i * FEATURE_COUNT));
  };
  const P = new Map<readonly Sample[], { news: number[]; none: number[] }>();
  for (const s of [unused, holdout, test])
    P.set(s, { news: predict(s, false), none: predict(s, true) });
  const rate = (s: readonly Sample[]) => s.reduce((a, x) => a + x.bad, 0) / s.length;
  console.log(
    `rates: train ${rate(train).toFixed(4)} unused ${rate(unused).toFixed(4)} holdout ${rate(holdout).toFixed(4)} test ${rate(test).toFixed(4)}; stories ${rets.length}`,
  );
  const show = (name: string, set: readonly Sample[], p: number[]) => {
    const y = set.map((s) => s.bad);
    return `${name} ${rocAuc(p, y).toFixed(4)}/${brier(p, y).toFixed(5)}`;
  };
  for (const [nm, s] of [
    ['holdout', holdout],
    ['test', test],
  ] as const) {
    const p = P.get(s)!;
    console.log(
      `${nm}: ${show('trees(news)', s, p.news)} ${show('trees(null)', s, p.none)} mean p(null) ${(p.none.reduce((a, b) => a + b, 0) / s.length).toFixed(4)}`,
    );
  }
  for (const [nm, s] of [
    ['train', train],
    ['holdout', holdout],
    ['test', test],
  ] as const) {
    const runs = [...new Set(s.map((x) => x.run))];
    console.log(
      nm,
      'per-run bad rate',
      runs.map((r) => rate(s.filter((x) => x.run === r)).toFixed(3)).join(' '),
    );
  }
  const impactsA = fitImpacts(rets);
  const impactsB = fitImpactsFromJudgements(rets, probs);
  console.log('impacts realised', JSON.stringify(impactsA), 'judged', JSON.stringify(impactsB));
  const fitOn = (
    sets: (readonly Sample[])[],
    impacts: MergeLogit['impacts'],
    l2?: number,
  ): MergeLogit => {
    const rows = sets.flat();
    const pt = sets.flatMap((s) => P.get(s)!.news);
    const pj = rows.map((r) => jumpLossProbability(r.sigma, r.judgement, impacts).probability);
    return {
      ...fitMergeLogit(
        pt,
        pj,
        rows.map((r) => r.bad),
        l2,
      ),
      impacts,
    };
  };
  const variants: [string, MergeLogit][] = [
    ['realised impacts, holdout', fitOn([holdout], impactsA)],
    ['judged impacts, holdout', fitOn([holdout], impactsB)],
    ['realised impacts, holdout+unused train', fitOn([holdout, unused], impactsA)],
    ['judged impacts, holdout+unused train', fitOn([holdout, unused], impactsB)],
    ['judged impacts, unused train', fitOn([unused], impactsB)],
  ];
  // Variant C: σ(a + b·logit(p_null) + e·(logit(p_news) − logit(p_null)) + c·logit(p_jump)), plain logistic regression.
  const fitC = (sets: readonly (readonly Sample[])[], impacts: MergeLogit['impacts']) => {
    const rows = sets.flat();
    const pn = sets.flatMap((s) => P.get(s)!.news);
    const p0 = sets.flatMap((s) => P.get(s)!.none);
    const X = rows.map((r, i) => [
      1,
      logit(p0[i]),
      logit(pn[i]) - logit(p0[i]),
      logit(jumpLossProbability(r.sigma, r.judgement, impacts).probability),
    ]);
    const y = rows.map((r) => r.bad);
    let w = [0, 1, 1, 0];
    for (let it = 0; it < 50; it++) {
      const g = [0, 0, 0, 0];
      const H = [0, 1, 2, 3].map(() => [0, 0, 0, 0]);
      X.forEach((x, i) => {
        const p = 1 / (1 + Math.exp(-x.reduce((a, v, k) => a + v * w[k], 0)));
        for (let a = 0; a < 4; a++) {
          g[a] += (p - y[i]) * x[a];
          for (let b = 0; b < 4; b++) H[a][b] += p * (1 - p) * x[a] * x[b] + (a === b ? 1e-6 : 0);
        }
      });
      // solve H d = g
      const M = H.map((r, i) => [...r, g[i]]);
      for (let c = 0; c < 4; c++) {
        for (let r = 0; r < 4; r++)
          if (r !== c) {
            const f = M[r][c] / M[c][c];
            for (let k = c; k < 5; k++) M[r][k] -= f * M[c][k];
          }
      }
      w = w.map((v, i) => v - M[i][4] / M[i][i]);
    }
    return (s: readonly Sample[]) =>
      s.map((r, i) => {
        const x = [
          1,
          logit(P.get(s)!.none[i]),
          logit(P.get(s)!.news[i]) - logit(P.get(s)!.none[i]),
          logit(jumpLossProbability(r.sigma, r.judgement, impacts).probability),
        ];
        return 1 / (1 + Math.exp(-x.reduce((a, v, k) => a + v * w[k], 0)));
      });
  };
  for (const [nm, sets] of [
    ['holdout', [holdout]],
    ['holdout+unused', [holdout, unused]],
  ] as const) {
    const f = fitC(sets, impactsB);
    console.log(
      `C judged, ${nm}: holdout ${show('merged', holdout, f(holdout))} | test ${show('merged', test, f(test))}`,
    );
  }
  for (const [name, m] of variants) {
    const parts = [holdout, test].map((s) => {
      const p = P.get(s)!.news.map((pt, i) => mergedProbability(pt, s[i].judgement, m, s[i].sigma));
      const p0 = P.get(s)!.none.map((pt, i) => mergedProbability(pt, null, m, s[i].sigma));
      return `${show('merged', s, p)} ${show('nojudg', s, p0)}`;
    });
    console.log(
      `${name} ${JSON.stringify({ a: m.intercept, b: m.tree, c: m.jump })}: holdout ${parts[0]} | test ${parts[1]}`,
    );
  }
}
main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
