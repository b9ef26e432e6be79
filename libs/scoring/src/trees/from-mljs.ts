import {
  goesYes,
  LEAF,
  leafOf,
  NODE_MODES,
  type DecisionTree,
  type TreeEnsemble,
} from './tree-ensemble';

/** A node of an ml-cart regression tree as its toJSON() gives it. */
export interface MlCartNode {
  readonly splitColumn?: number;
  readonly splitValue?: number;
  readonly left?: MlCartNode;
  readonly right?: MlCartNode;
  /** Leaf: mean of the training targets (the fraction of bad outcomes for 0/1 targets). */
  readonly distribution?: number;
}

/** The parts of an ml-random-forest RandomForestRegression toJSON() the export needs. */
export interface MlForestJson {
  readonly baseModel: {
    /** Per tree, the dataset column of each of the tree's columns (feature bagging). */
    readonly indexes: readonly (readonly number[])[];
    readonly estimators: readonly { readonly root: MlCartNode }[];
  };
  readonly selectionMethod: string;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Smallest float32 ≥ v: for float32 x, x < v ⇔ x < ceilFloat32(v). */
export function ceilFloat32(v: number): number {
  f32[0] = v;
  if (f32[0] >= v || !Number.isFinite(v)) return f32[0];
  // f32[0] < v: step one ulp towards +∞.
  if (f32[0] === 0) return 1.401298464324817e-45;
  u32[0] += f32[0] > 0 ? 1 : -1;
  return f32[0];
}

/**
 * Converts ml-random-forest regression forests trained on 0/1 targets (probability forests)
 * into one TreeEnsemble averaging all their trees: ml-cart sends `x < split` left, kept as BRANCH_LT with the threshold
 * rounded up to float32 so the float32 comparison in ONNX Runtime agrees with ml-cart on every
 * float32 input. Leaves carry mean/T so the sum over trees is the forest's mean. Covers are
 * the counts of `coverRows` (the training set) reaching each node.
 */
export function ensembleFromMlForest(
  forest: MlForestJson | readonly MlForestJson[],
  featureCount: number,
  coverRows: Float32Array,
): TreeEnsemble {
  // Several forests (each trained on its own rows) average as one forest of all their trees.
  const forests = Array.isArray(forest)
    ? (forest as readonly MlForestJson[])
    : [forest as MlForestJson];
  if (forests.some((f) => f.selectionMethod !== 'mean')) {
    throw new RangeError('only mean forests are exported');
  }
  const estimators = forests.flatMap((f) =>
    f.baseModel.estimators.map((e, t) => ({ root: e.root, columns: f.baseModel.indexes[t] })),
  );
  const T = estimators.length;
  const lt = NODE_MODES.indexOf('BRANCH_LT');
  const trees: DecisionTree[] = estimators.map(({ root, columns }) => {
    const nodes = { feature: [] as number[], threshold: [] as number[], mode: [] as number[] };
    const yes: number[] = [];
    const no: number[] = [];
    const value: number[] = [];
    // Pre-order numbering, the root is 0 as ONNX requires.
    const add = (n: MlCartNode): number => {
      const id = nodes.mode.length;
      const split = n.left !== undefined && n.right !== undefined && n.splitColumn !== undefined;
      nodes.feature.push(split ? columns[n.splitColumn ?? 0] : 0);
      nodes.threshold.push(split ? ceilFloat32(n.splitValue ?? 0) : 0);
      nodes.mode.push(split ? lt : LEAF);
      yes.push(0);
      no.push(0);
      value.push(split ? 0 : (n.distribution ?? 0) / T);
      if (split && n.left !== undefined && n.right !== undefined) {
        yes[id] = add(n.left);
        no[id] = add(n.right);
      }
      return id;
    };
    add(root);
    const tree: DecisionTree = {
      feature: Int32Array.from(nodes.feature),
      threshold: Float32Array.from(nodes.threshold),
      mode: Uint8Array.from(nodes.mode),
      yes: Int32Array.from(yes),
      no: Int32Array.from(no),
      value: Float64Array.from(value),
      cover: new Float64Array(nodes.mode.length),
    };
    fillCovers(tree, coverRows, featureCount);
    return tree;
  });
  return { trees, featureCount, base: 0, postTransform: 'NONE', hasCovers: true };
}

/** Counts the rows through every node; a node no row reaches keeps a tiny cover (never 0). */
export function fillCovers(tree: DecisionTree, rows: Float32Array, featureCount: number): void {
  tree.cover.fill(0);
  const n = rows.length / featureCount;
  for (let r = 0; r < n; r++) {
    let node = 0;
    const leaf = leafOf(tree, rows, r * featureCount);
    // Walk again to count the internal nodes on the path.
    while (node !== leaf) {
      tree.cover[node] += 1;
      const x = rows[r * featureCount + tree.feature[node]];
      node = goesYes(tree.mode[node], x, tree.threshold[node]) ? tree.yes[node] : tree.no[node];
    }
    tree.cover[leaf] += 1;
  }
  // Keep covers consistent (parent = sum of children) when a branch saw no row.
  const fix = (node: number): number => {
    if (tree.mode[node] === LEAF) return (tree.cover[node] = Math.max(tree.cover[node], 1e-9));
    tree.cover[node] = fix(tree.yes[node]) + fix(tree.no[node]);
    return tree.cover[node];
  };
  fix(0);
}
