/**
 * A binary tree ensemble as ONNX's ai.onnx.ml tree operators define it, in flat typed arrays.
 * It is parsed from the .onnx file (the source of truth at run time) and used for explanations;
 * ONNX Runtime does the scoring.
 */

export const NODE_MODES = [
  'BRANCH_LEQ',
  'BRANCH_LT',
  'BRANCH_GTE',
  'BRANCH_GT',
  'BRANCH_EQ',
  'BRANCH_NEQ',
  'LEAF',
] as const;
export type NodeMode = (typeof NODE_MODES)[number];
export const LEAF = NODE_MODES.indexOf('LEAF');

/** One tree; arrays are indexed by node id (ids are 0..n-1, the root is 0). */
export interface DecisionTree {
  readonly feature: Int32Array;
  /** Thresholds as ONNX holds them (float32): a float32 input compares exactly as in ORT. */
  readonly threshold: Float32Array;
  /** Index into NODE_MODES. */
  readonly mode: Uint8Array;
  /** Child taken when the comparison is true / false. */
  readonly yes: Int32Array;
  readonly no: Int32Array;
  /** Leaf contribution to the positive class's margin, tree weight included; 0 on branches. */
  readonly value: Float64Array;
  /** Training samples through each node (ONNX nodes_hitrates); TreeSHAP's path probabilities. */
  readonly cover: Float64Array;
}

export type PostTransform = 'NONE' | 'LOGISTIC';

export interface TreeEnsemble {
  readonly trees: readonly DecisionTree[];
  readonly featureCount: number;
  /** Added to the sum of the leaves (ONNX base_values of the positive class). */
  readonly base: number;
  /** NONE: the margin is P(bad) itself; LOGISTIC: P = 1 / (1 + e^-margin). */
  readonly postTransform: PostTransform;
  /** False when the file carries no node covers (all hitrates equal): SHAP then assumes 50/50 splits. */
  readonly hasCovers: boolean;
}

/** The comparison of one branch node, exactly as ONNX Runtime evaluates it on float32 input. */
export function goesYes(mode: number, x: number, threshold: number): boolean {
  switch (mode) {
    case 0:
      return x <= threshold;
    case 1:
      return x < threshold;
    case 2:
      return x >= threshold;
    case 3:
      return x > threshold;
    case 4:
      return x === threshold;
    default:
      return x !== threshold;
  }
}

/** The leaf reached by row `x` (features at x[offset + f]). */
export function leafOf(tree: DecisionTree, x: ArrayLike<number>, offset = 0): number {
  let n = 0;
  while (tree.mode[n] !== LEAF) {
    n = goesYes(tree.mode[n], x[offset + tree.feature[n]], tree.threshold[n])
      ? tree.yes[n]
      : tree.no[n];
  }
  return n;
}

/** base + Σ leaf values: the positive class's raw score. */
export function predictMargin(ens: TreeEnsemble, x: ArrayLike<number>, offset = 0): number {
  let s = ens.base;
  for (const t of ens.trees) s += t.value[leafOf(t, x, offset)];
  return s;
}

export function applyPostTransform(post: PostTransform, margin: number): number {
  return post === 'LOGISTIC' ? 1 / (1 + Math.exp(-margin)) : margin;
}

/** P(bad outcome) of one row, as ONNX Runtime computes it (up to float32 rounding). */
export function predictProbability(ens: TreeEnsemble, x: ArrayLike<number>, offset = 0): number {
  return applyPostTransform(ens.postTransform, predictMargin(ens, x, offset));
}

/** Deepest root-to-leaf path, in edges. */
export function treeDepth(tree: DecisionTree, node = 0): number {
  if (tree.mode[node] === LEAF) return 0;
  return 1 + Math.max(treeDepth(tree, tree.yes[node]), treeDepth(tree, tree.no[node]));
}

/** Builds a DecisionTree from plain arrays (children -1 or equal ids on leaves are ignored). */
export function makeTree(nodes: {
  feature: number[];
  threshold: number[];
  mode: number[];
  yes: number[];
  no: number[];
  value: number[];
  cover: number[];
}): DecisionTree {
  return {
    feature: Int32Array.from(nodes.feature),
    threshold: Float32Array.from(nodes.threshold),
    mode: Uint8Array.from(nodes.mode),
    yes: Int32Array.from(nodes.yes),
    no: Int32Array.from(nodes.no),
    value: Float64Array.from(nodes.value),
    cover: Float64Array.from(nodes.cover),
  };
}
