import {
  LEAF,
  makeTree,
  NODE_MODES,
  predictMargin,
  type DecisionTree,
  type TreeEnsemble,
} from './tree-ensemble';
import {
  conditionalExpectation,
  describeDecisionPath,
  topContributions,
  topTrees,
  TreeExplainer,
} from './tree-shap';

/** Seeded uniform [0, 1) (Park–Miller), so the random trees are the same on every run. */
function seeded(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 16807) % 2147483647) / 2147483647;
}

const LEQ = NODE_MODES.indexOf('BRANCH_LEQ');
const LT = NODE_MODES.indexOf('BRANCH_LT');

/** Exact Shapley values of v(S) = E[tree | x_S] by enumerating every subset. */
function bruteForceShapley(tree: DecisionTree, x: number[], M: number): number[] {
  const fact = (n: number): number => (n <= 1 ? 1 : n * fact(n - 1));
  const phi = new Array<number>(M).fill(0);
  for (let i = 0; i < M; i++) {
    for (let mask = 0; mask < 1 << M; mask++) {
      if (mask & (1 << i)) continue;
      const S = new Set<number>();
      for (let j = 0; j < M; j++) if (mask & (1 << j)) S.add(j);
      const w = (fact(S.size) * fact(M - S.size - 1)) / fact(M);
      const withI = new Set(S).add(i);
      phi[i] += w * (conditionalExpectation(tree, x, withI) - conditionalExpectation(tree, x, S));
    }
  }
  return phi;
}

/** A random binary tree over M features, repeating features on paths, with random covers. */
function randomTree(rng: () => number, M: number, depth: number): DecisionTree {
  const nodes = {
    feature: [] as number[],
    threshold: [] as number[],
    mode: [] as number[],
    yes: [] as number[],
    no: [] as number[],
    value: [] as number[],
    cover: [] as number[],
  };
  const add = (d: number, cover: number): number => {
    const id = nodes.mode.length;
    const leaf = d === depth || (d > 1 && rng() < 0.25);
    nodes.feature.push(leaf ? 0 : Math.floor(rng() * M));
    nodes.threshold.push(leaf ? 0 : Math.fround(rng()));
    nodes.mode.push(leaf ? LEAF : rng() < 0.5 ? LEQ : LT);
    nodes.yes.push(0);
    nodes.no.push(0);
    nodes.value.push(leaf ? rng() * 2 - 1 : 0);
    nodes.cover.push(cover);
    if (!leaf) {
      const share = 0.1 + 0.8 * rng();
      nodes.yes[id] = add(d + 1, cover * share);
      nodes.no[id] = add(d + 1, cover * (1 - share));
    }
    return id;
  };
  add(0, 1000);
  return makeTree(nodes);
}

// var99_nav 0.081 > 0.062 → util_max_weight 1.12 > 1.0 → leaf
const NAMES = ['var99_nav', 'util_max_weight', 'news_p_severe_negative'];
const desk = makeTree({
  feature: [0, 0, 1, 0, 0],
  threshold: [0.062, 0, 1.0, 0, 0],
  mode: [LEQ, LEAF, LEQ, LEAF, LEAF],
  yes: [1, 0, 3, 0, 0],
  no: [2, 0, 4, 0, 0],
  value: [0, 0.05, 0, 0.3, 0.74],
  cover: [100, 70, 30, 18, 12],
});

describe('TreeSHAP', () => {
  it('matches brute-force Shapley values on a small tree', () => {
    const ens: TreeEnsemble = {
      trees: [desk],
      featureCount: 3,
      base: 0,
      postTransform: 'NONE',
      hasCovers: true,
    };
    const explainer = new TreeExplainer(ens);
    for (const x of [
      [0.081, 1.12, 0.2],
      [0.05, 1.5, 0.9],
      [0.07, 0.4, 0],
    ]) {
      const phi = explainer.shap(Float32Array.from(x));
      const exact = bruteForceShapley(desk, Array.from(Float32Array.from(x)), 3);
      exact.forEach((v, i) => expect(Math.abs(phi[i] - v)).toBeLessThan(1e-12));
      expect(phi[2]).toBe(0);
    }
  });

  it('matches brute force on random trees with repeated features', () => {
    const rng = seeded(7);
    const M = 5;
    for (let k = 0; k < 30; k++) {
      const tree = randomTree(rng, M, 6);
      const ens: TreeEnsemble = {
        trees: [tree],
        featureCount: M,
        base: 0,
        postTransform: 'NONE',
        hasCovers: true,
      };
      const x = Float32Array.from({ length: M }, () => rng());
      const explainer = new TreeExplainer(ens);
      const phi = explainer.shap(x);
      const recursive = explainer.shapRecursive(x);
      const exact = bruteForceShapley(tree, Array.from(x), M);
      exact.forEach((v, i) => {
        expect(Math.abs(phi[i] - v)).toBeLessThan(1e-9);
        expect(Math.abs(recursive[i] - v)).toBeLessThan(1e-9);
      });
    }
  });

  it('sums to prediction minus expected value over an ensemble', () => {
    const rng = seeded(11);
    const M = 8;
    const ens: TreeEnsemble = {
      trees: Array.from({ length: 25 }, () => randomTree(rng, M, 7)),
      featureCount: M,
      base: 0.25,
      postTransform: 'LOGISTIC',
      hasCovers: true,
    };
    const explainer = new TreeExplainer(ens);
    let expected = ens.base;
    for (const t of ens.trees) expected += conditionalExpectation(t, [], new Set());
    expect(Math.abs(explainer.expectedValue - expected)).toBeLessThan(1e-12);
    for (let r = 0; r < 50; r++) {
      const x = Float32Array.from({ length: M }, () => rng());
      const phi = explainer.shap(x);
      const sum = phi.reduce((a, b) => a + b, 0);
      expect(Math.abs(sum - (predictMargin(ens, x) - explainer.expectedValue))).toBeLessThan(1e-6);
      // The tabulated fast path and the recursive algorithm agree tree by tree, summed.
      const recursive = explainer.shapRecursive(x);
      phi.forEach((v, i) => expect(Math.abs(v - recursive[i])).toBeLessThan(1e-12));
    }
  });

  it('ranks contributions and trees', () => {
    const ens: TreeEnsemble = {
      trees: [desk, desk],
      featureCount: 3,
      base: 0,
      postTransform: 'NONE',
      hasCovers: true,
    };
    const explainer = new TreeExplainer(ens);
    const x = Float32Array.from([0.081, 1.12, 0.2]);
    const top = topContributions(explainer.shap(x), x, NAMES, 5);
    expect(top.map((c) => c.feature)).toEqual(['var99_nav', 'util_max_weight']);
    expect(top[0].shap).toBeGreaterThan(0);
    expect(topTrees(explainer, x, 1)).toEqual([0]);
  });
});

describe('describeDecisionPath', () => {
  it('reads the path of a row in words', () => {
    const x = Float32Array.from([0.081, 1.12, 0.2]);
    expect(describeDecisionPath(desk, x, NAMES)).toBe(
      'var99_nav 0.081 > 0.062 → util_max_weight 1.12 > 1 → leaf p=0.74',
    );
    expect(describeDecisionPath(desk, Float32Array.from([0.05, 0, 0]), NAMES)).toBe(
      'var99_nav 0.05 <= 0.062 → leaf p=0.05',
    );
    // A forest leaf holds p / T: the scale gives the tree's own p back.
    const halved = makeTree({ ...plain(desk), value: [0, 0.025, 0, 0.15, 0.37] });
    expect(describeDecisionPath(halved, x, NAMES, 2)).toMatch(/leaf p=0\.74$/);
    const lt = makeTree({ ...plain(desk), mode: [LT, LEAF, LT, LEAF, LEAF] });
    expect(describeDecisionPath(lt, x, NAMES)).toBe(
      'var99_nav 0.081 >= 0.062 → util_max_weight 1.12 >= 1 → leaf p=0.74',
    );
  });
});

function plain(t: DecisionTree): Parameters<typeof makeTree>[0] {
  return {
    feature: Array.from(t.feature),
    threshold: Array.from(t.threshold),
    mode: Array.from(t.mode),
    yes: Array.from(t.yes),
    no: Array.from(t.no),
    value: Array.from(t.value),
    cover: Array.from(t.cover),
  };
}
