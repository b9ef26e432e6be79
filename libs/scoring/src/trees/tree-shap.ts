import {
  LEAF,
  goesYes,
  leafOf,
  predictMargin,
  treeDepth,
  type DecisionTree,
  type TreeEnsemble,
} from './tree-ensemble';

/**
 * Exact SHAP values of a tree ensemble by path-dependent TreeSHAP (Lundberg, Erion & Lee 2018,
 * Algorithm 2): for each tree, the Shapley values of v(S) = E[f(x) | x_S] where the expectation
 * follows the training covers down the branches of features outside S. The ensemble's margin is
 * the sum of its trees (plus base), so its SHAP values are the sums of the trees'.
 * Σ φ_i = margin(x) − expectedValue.
 */
export class TreeExplainer {
  /** E[margin] under the covers: base + Σ_trees Σ_leaves value · cover / cover(root). */
  readonly expectedValue: number;
  private readonly treeExpected: Float64Array;
  private readonly maxDepth: number;
  // Path pools reused across calls (the recursion copies the path one segment deeper).
  private readonly pFeature: Int32Array;
  private readonly pZero: Float64Array;
  private readonly pOne: Float64Array;
  private readonly pWeight: Float64Array;
  /** Per-tree leaf tables for the fast path; null when they would be too large. */
  private readonly tables: LeafTables[] | null;
  private readonly hotYes: Uint8Array;
  private phi: Float64Array = new Float64Array(0);
  private x: ArrayLike<number> = [];
  private offset = 0;
  private tree!: DecisionTree;

  constructor(readonly ensemble: TreeEnsemble) {
    let expected = ensemble.base;
    let depth = 0;
    this.treeExpected = new Float64Array(ensemble.trees.length);
    ensemble.trees.forEach((t, k) => {
      depth = Math.max(depth, treeDepth(t));
      let e = 0;
      for (let i = 0; i < t.mode.length; i++) {
        if (t.mode[i] === LEAF) e += (t.value[i] * t.cover[i]) / t.cover[0];
      }
      this.treeExpected[k] = e;
      expected += e;
    });
    this.expectedValue = expected;
    this.maxDepth = depth + 2;
    const size = ((this.maxDepth + 1) * (this.maxDepth + 2)) / 2 + this.maxDepth + 2;
    this.pFeature = new Int32Array(size);
    this.pZero = new Float64Array(size);
    this.pOne = new Float64Array(size);
    this.pWeight = new Float64Array(size);
    let maxNodes = 0;
    let tableSize = 0;
    for (const t of ensemble.trees) {
      maxNodes = Math.max(maxNodes, t.mode.length);
      tableSize += t.mode.length * 2 ** Math.min(depth, 30) * depth;
    }
    this.hotYes = new Uint8Array(maxNodes);
    this.tables =
      tableSize <= MAX_TABLE_ENTRIES ? ensemble.trees.map((t) => this.buildTables(t)) : null;
  }

  /** φ (one per feature, margin units) of the row at x[offset..offset+F). */
  shap(
    x: ArrayLike<number>,
    offset = 0,
    out = new Float64Array(this.ensemble.featureCount),
  ): Float64Array {
    if (this.tables === null) return this.shapRecursive(x, offset, out);
    out.fill(0);
    const trees = this.ensemble.trees;
    for (let k = 0; k < trees.length; k++)
      this.addFromTables(trees[k], this.tables[k], x, offset, out);
    return out;
  }

  /** The same values by the recursive algorithm (reference; used when tables are too large). */
  shapRecursive(
    x: ArrayLike<number>,
    offset = 0,
    out = new Float64Array(this.ensemble.featureCount),
  ): Float64Array {
    out.fill(0);
    this.phi = out;
    this.x = x;
    this.offset = offset;
    for (const t of this.ensemble.trees) {
      this.tree = t;
      this.recurse(0, 0, 0, 1, 1, -1);
    }
    return out;
  }

  /**
   * For one leaf, TreeSHAP's contribution depends on x only through, for each distinct feature
   * on the leaf's path, whether x takes the path's direction at every node of that feature (the
   * "one fraction", 0 or 1). So each leaf's contributions are tabulated for all 2^k such
   * patterns once (as in Fast TreeSHAP v2, Yang 2021), and a row costs O(leaves · depth).
   */
  private buildTables(t: DecisionTree): LeafTables {
    const leaves: number[] = [];
    const entryStart: number[] = [];
    const entryNode: number[] = [];
    const entryYes: number[] = [];
    const entryUnique: number[] = [];
    const uniqueStart: number[] = [];
    const uniqueFeature: number[] = [];
    const coefStart: number[] = [];
    const coefs: number[] = [];
    const path: { node: number; yes: boolean }[] = [];
    const visit = (n: number): void => {
      if (t.mode[n] !== LEAF) {
        path.push({ node: n, yes: true });
        visit(t.yes[n]);
        path[path.length - 1].yes = false;
        visit(t.no[n]);
        path.pop();
        return;
      }
      leaves.push(n);
      entryStart.push(entryNode.length);
      uniqueStart.push(uniqueFeature.length);
      coefStart.push(coefs.length);
      const features: number[] = [];
      const zero: number[] = [];
      for (const e of path) {
        const f = t.feature[e.node];
        let j = features.indexOf(f);
        if (j < 0) {
          j = features.length;
          features.push(f);
          zero.push(1);
        }
        const child = e.yes ? t.yes[e.node] : t.no[e.node];
        zero[j] *= t.cover[child] / t.cover[e.node];
        entryNode.push(e.node);
        entryYes.push(e.yes ? 1 : 0);
        entryUnique.push(j);
      }
      uniqueFeature.push(...features);
      const k = features.length;
      for (let mask = 0; mask < 1 << k; mask++) {
        this.extend(0, 0, 1, 1, -1);
        for (let j = 0; j < k; j++) this.extend(0, j + 1, zero[j], (mask >> j) & 1, features[j]);
        for (let j = 0; j < k; j++) {
          const w = this.unwoundSum(0, k, j + 1);
          coefs.push(w * (((mask >> j) & 1) - zero[j]) * t.value[n]);
        }
      }
    };
    visit(0);
    entryStart.push(entryNode.length);
    uniqueStart.push(uniqueFeature.length);
    return {
      leaves: Int32Array.from(leaves),
      entryStart: Int32Array.from(entryStart),
      entryNode: Int32Array.from(entryNode),
      entryYes: Uint8Array.from(entryYes),
      entryUnique: Uint8Array.from(entryUnique),
      uniqueStart: Int32Array.from(uniqueStart),
      uniqueFeature: Int32Array.from(uniqueFeature),
      coefStart: Int32Array.from(coefStart),
      coefs: Float64Array.from(coefs),
    };
  }

  private addFromTables(
    t: DecisionTree,
    tab: LeafTables,
    x: ArrayLike<number>,
    offset: number,
    out: Float64Array,
  ): void {
    const hot = this.hotYes;
    for (let n = 0; n < t.mode.length; n++) {
      if (t.mode[n] !== LEAF) {
        hot[n] = goesYes(t.mode[n], x[offset + t.feature[n]], t.threshold[n]) ? 1 : 0;
      }
    }
    for (let l = 0; l < tab.leaves.length; l++) {
      const u0 = tab.uniqueStart[l];
      const k = tab.uniqueStart[l + 1] - u0;
      let mask = (1 << k) - 1;
      for (let e = tab.entryStart[l]; e < tab.entryStart[l + 1]; e++) {
        if (hot[tab.entryNode[e]] !== tab.entryYes[e]) mask &= ~(1 << tab.entryUnique[e]);
      }
      const c = tab.coefStart[l] + mask * k;
      for (let j = 0; j < k; j++) out[tab.uniqueFeature[u0 + j]] += tab.coefs[c + j];
    }
  }

  /** φ of a single tree (for per-tree explanations and tests). */
  shapOfTree(treeIndex: number, x: ArrayLike<number>, offset = 0): Float64Array {
    const out = new Float64Array(this.ensemble.featureCount);
    this.phi = out;
    this.x = x;
    this.offset = offset;
    this.tree = this.ensemble.trees[treeIndex];
    this.recurse(0, 0, 0, 1, 1, -1);
    return out;
  }

  /** E[tree margin] under the covers. */
  treeExpectedValue(treeIndex: number): number {
    return this.treeExpected[treeIndex];
  }

  /**
   * `parent` is the start of the parent's path segment and `depth` this node's unique depth;
   * this node's segment starts depth + 1 slots after the parent's.
   */
  private recurse(
    node: number,
    parent: number,
    depth: number,
    zeroFraction: number,
    oneFraction: number,
    feature: number,
  ): void {
    const t = this.tree;
    // As in the reference implementation: a fresh copy of the parent's path, one segment on
    // (at the root the copied slot is unused and overwritten by extend).
    const start = parent + depth + 1;
    this.pFeature.copyWithin(start, parent, start);
    this.pZero.copyWithin(start, parent, start);
    this.pOne.copyWithin(start, parent, start);
    this.pWeight.copyWithin(start, parent, start);
    this.extend(start, depth, zeroFraction, oneFraction, feature);

    if (t.mode[node] === LEAF) {
      const v = t.value[node];
      for (let i = 1; i <= depth; i++) {
        const w = this.unwoundSum(start, depth, i);
        this.phi[this.pFeature[start + i]] +=
          w * (this.pOne[start + i] - this.pZero[start + i]) * v;
      }
      return;
    }
    const split = t.feature[node];
    const hot = goesYes(t.mode[node], this.x[this.offset + split], t.threshold[node])
      ? t.yes[node]
      : t.no[node];
    const cold = hot === t.yes[node] ? t.no[node] : t.yes[node];
    const cover = t.cover[node];
    let inZero = 1;
    let inOne = 1;
    let d = depth;
    let k = 0;
    while (k <= d && this.pFeature[start + k] !== split) k++;
    if (k <= d) {
      inZero = this.pZero[start + k];
      inOne = this.pOne[start + k];
      this.unwind(start, d, k);
      d -= 1;
    }
    this.recurse(hot, start, d + 1, (t.cover[hot] / cover) * inZero, inOne, split);
    this.recurse(cold, start, d + 1, (t.cover[cold] / cover) * inZero, 0, split);
  }

  private extend(s: number, depth: number, zero: number, one: number, feature: number): void {
    const w = this.pWeight;
    this.pFeature[s + depth] = feature;
    this.pZero[s + depth] = zero;
    this.pOne[s + depth] = one;
    w[s + depth] = depth === 0 ? 1 : 0;
    for (let i = depth - 1; i >= 0; i--) {
      w[s + i + 1] += (one * w[s + i] * (i + 1)) / (depth + 1);
      w[s + i] = (zero * w[s + i] * (depth - i)) / (depth + 1);
    }
  }

  private unwind(s: number, depth: number, index: number): void {
    const w = this.pWeight;
    const one = this.pOne[s + index];
    const zero = this.pZero[s + index];
    let next = w[s + depth];
    for (let i = depth - 1; i >= 0; i--) {
      if (one !== 0) {
        const tmp = w[s + i];
        w[s + i] = (next * (depth + 1)) / ((i + 1) * one);
        next = tmp - (w[s + i] * zero * (depth - i)) / (depth + 1);
      } else {
        w[s + i] = (w[s + i] * (depth + 1)) / (zero * (depth - i));
      }
    }
    for (let i = index; i < depth; i++) {
      this.pFeature[s + i] = this.pFeature[s + i + 1];
      this.pZero[s + i] = this.pZero[s + i + 1];
      this.pOne[s + i] = this.pOne[s + i + 1];
    }
  }

  private unwoundSum(s: number, depth: number, index: number): number {
    const w = this.pWeight;
    const one = this.pOne[s + index];
    const zero = this.pZero[s + index];
    let next = w[s + depth];
    let total = 0;
    if (one !== 0) {
      for (let i = depth - 1; i >= 0; i--) {
        const tmp = next / ((i + 1) * one);
        total += tmp;
        next = w[s + i] - tmp * zero * (depth - i);
      }
    } else {
      for (let i = depth - 1; i >= 0; i--) total += w[s + i] / (zero * (depth - i));
    }
    return total * (depth + 1);
  }
}

/** Above this many tabulated coefficients (8 bytes each) the recursive algorithm is used. */
const MAX_TABLE_ENTRIES = 4_000_000;

interface LeafTables {
  readonly leaves: Int32Array;
  /** Per leaf l, its path entries are [entryStart[l], entryStart[l + 1]). */
  readonly entryStart: Int32Array;
  readonly entryNode: Int32Array;
  /** 1 when the path goes to the node's yes child. */
  readonly entryYes: Uint8Array;
  /** Index of the entry's feature among the leaf's distinct path features. */
  readonly entryUnique: Uint8Array;
  readonly uniqueStart: Int32Array;
  readonly uniqueFeature: Int32Array;
  /** Per leaf: 2^k patterns × k coefficients, pattern-major. */
  readonly coefStart: Int32Array;
  readonly coefs: Float64Array;
}

/**
 * v(S) of one tree: E[tree(x) | x_S] following x on features in S and the covers elsewhere.
 * The definition TreeSHAP computes the Shapley values of (used by the brute-force check).
 */
export function conditionalExpectation(
  tree: DecisionTree,
  x: ArrayLike<number>,
  known: ReadonlySet<number>,
  node = 0,
): number {
  if (tree.mode[node] === LEAF) return tree.value[node];
  const f = tree.feature[node];
  if (known.has(f)) {
    const next = goesYes(tree.mode[node], x[f], tree.threshold[node])
      ? tree.yes[node]
      : tree.no[node];
    return conditionalExpectation(tree, x, known, next);
  }
  const yes = tree.yes[node];
  const no = tree.no[node];
  return (
    (tree.cover[yes] * conditionalExpectation(tree, x, known, yes) +
      tree.cover[no] * conditionalExpectation(tree, x, known, no)) /
    tree.cover[node]
  );
}

export interface Contribution {
  readonly feature: string;
  readonly value: number;
  /** SHAP value, in the model's margin units (P(bad) for the shipped forest). */
  readonly shap: number;
}

/** Features ranked by |φ|, largest first, the zero ones left out. */
export function topContributions(
  phi: ArrayLike<number>,
  x: ArrayLike<number>,
  names: readonly string[],
  k: number,
  offset = 0,
): Contribution[] {
  const idx = Array.from({ length: phi.length }, (_, i) => i).filter((i) => phi[i] !== 0);
  idx.sort((a, b) => Math.abs(phi[b]) - Math.abs(phi[a]) || a - b);
  return idx
    .slice(0, k)
    .map((i) => ({ feature: names[i] ?? `f${i}`, value: x[offset + i], shap: phi[i] }));
}

/** Trees ranked by how far their leaf for x moves the margin from their own expectation. */
export function topTrees(
  explainer: TreeExplainer,
  x: ArrayLike<number>,
  k: number,
  offset = 0,
): number[] {
  const trees = explainer.ensemble.trees;
  const delta = trees.map((t, i) =>
    Math.abs(t.value[leafOf(t, x, offset)] - explainer.treeExpectedValue(i)),
  );
  return trees
    .map((_, i) => i)
    .sort((a, b) => delta[b] - delta[a] || a - b)
    .slice(0, k);
}

function fmt(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  const s = a >= 1000 || a < 0.001 ? v.toExponential(2) : v.toPrecision(3);
  return s.includes('e') ? s : String(Number(s));
}

const NEGATION = ['>', '>=', '<', '<=', '!=', '=='];
const COMPARISON = ['<=', '<', '>=', '>', '==', '!='];

/**
 * The decision path of row x through one tree, in words:
 * `var99_nav 0.081 > 0.062 → util_max_weight 1.12 > 1 → leaf p=0.74`.
 * `leafScale` turns a leaf's weight back into the tree's own output (the number of trees for an
 * averaged forest).
 */
export function describeDecisionPath(
  tree: DecisionTree,
  x: ArrayLike<number>,
  names: readonly string[],
  leafScale = 1,
  offset = 0,
): string {
  const parts: string[] = [];
  let n = 0;
  while (tree.mode[n] !== LEAF) {
    const f = tree.feature[n];
    const v = x[offset + f];
    const yes = goesYes(tree.mode[n], v, tree.threshold[n]);
    const op = yes ? COMPARISON[tree.mode[n]] : NEGATION[tree.mode[n]];
    parts.push(`${names[f] ?? `f${f}`} ${fmt(v)} ${op} ${fmt(tree.threshold[n])}`);
    n = yes ? tree.yes[n] : tree.no[n];
  }
  parts.push(`leaf p=${fmt(tree.value[n] * leafScale)}`);
  return parts.join(' → ');
}

/** Margin check used by callers and tests: base + Σ trees. */
export { predictMargin };
