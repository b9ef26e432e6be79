import { onnx } from 'onnx-proto';
import {
  LEAF,
  NODE_MODES,
  type DecisionTree,
  type NodeMode,
  type TreeEnsemble,
} from './tree-ensemble';

/** Domain of ONNX's classical-ML operators. */
export const ML_DOMAIN = 'ai.onnx.ml';
const TREE_OPS = new Set(['TreeEnsembleClassifier', 'TreeEnsembleRegressor']);

type Int64 = number | { toNumber(): number };
const num = (v: Int64): number => (typeof v === 'number' ? v : v.toNumber());
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (b: Uint8Array | null | undefined): string =>
  b == null ? '' : new TextDecoder().decode(b);

function ints(name: string, values: readonly number[]): onnx.IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.INTS, ints: [...values] };
}
function floats(name: string, values: ArrayLike<number>): onnx.IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.FLOATS, floats: Array.from(values) };
}
function str(name: string, value: string): onnx.IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.STRING, s: utf8(value) };
}
function strs(name: string, values: readonly string[]): onnx.IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.STRINGS, strings: values.map(utf8) };
}
function intAttr(name: string, value: number): onnx.IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.INT, i: value };
}

function tensorType(
  elemType: onnx.TensorProto.DataType,
  dims: (number | string)[],
): onnx.ITypeProto {
  return {
    tensorType: {
      elemType,
      shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
    },
  };
}

/** seq(map(int64, float)): what ZipMap produces for integer class labels. */
const SEQ_MAP_INT64_FLOAT: onnx.ITypeProto = {
  sequenceType: {
    elemType: {
      mapType: {
        keyType: onnx.TensorProto.DataType.INT64,
        valueType: tensorType(onnx.TensorProto.DataType.FLOAT, []),
      },
    },
  },
};

/** The ai.onnx.ml node attributes of an ensemble (classifier layout, as skl2onnx writes them). */
function classifierAttributes(
  ens: TreeEnsemble,
  hitrates: 'covers' | 'ones',
): onnx.IAttributeProto[] {
  const n = {
    treeIds: [] as number[],
    nodeIds: [] as number[],
    featureIds: [] as number[],
    modes: [] as string[],
    values: [] as number[],
    yes: [] as number[],
    no: [] as number[],
    missing: [] as number[],
    hitrates: [] as number[],
  };
  const c = {
    treeIds: [] as number[],
    nodeIds: [] as number[],
    ids: [] as number[],
    w: [] as number[],
  };
  ens.trees.forEach((t, treeId) => {
    for (let i = 0; i < t.mode.length; i++) {
      const leaf = t.mode[i] === LEAF;
      n.treeIds.push(treeId);
      n.nodeIds.push(i);
      n.featureIds.push(leaf ? 0 : t.feature[i]);
      n.modes.push(NODE_MODES[t.mode[i]]);
      n.values.push(leaf ? 0 : t.threshold[i]);
      n.yes.push(leaf ? 0 : t.yes[i]);
      n.no.push(leaf ? 0 : t.no[i]);
      n.missing.push(0);
      n.hitrates.push(hitrates === 'covers' ? t.cover[i] : 1);
      if (leaf) {
        // Binary layout of skl2onnx: one weight per leaf, class id 0, ORT outputs [1 - p, p].
        c.treeIds.push(treeId);
        c.nodeIds.push(i);
        c.ids.push(0);
        c.w.push(t.value[i]);
      }
    }
  });
  const attrs = [
    ints('class_ids', c.ids),
    ints('class_nodeids', c.nodeIds),
    ints('class_treeids', c.treeIds),
    floats('class_weights', c.w),
    ints('classlabels_int64s', [0, 1]),
    ints('nodes_falsenodeids', n.no),
    ints('nodes_featureids', n.featureIds),
    floats('nodes_hitrates', n.hitrates),
    ints('nodes_missing_value_tracks_true', n.missing),
    strs('nodes_modes', n.modes),
    ints('nodes_nodeids', n.nodeIds),
    ints('nodes_treeids', n.treeIds),
    ints('nodes_truenodeids', n.yes),
    floats('nodes_values', n.values),
    str('post_transform', ens.postTransform),
  ];
  if (ens.base !== 0) attrs.push(floats('base_values', [ens.base]));
  return attrs;
}

export interface ExportMetadata {
  /** name@version, for explanation.models. */
  readonly modelId: string;
  readonly featureNames: readonly string[];
  readonly featuresVersion: string;
  readonly extra?: Readonly<Record<string, string>>;
}

/** Names used by the service's own export. */
export const OWN_IO = { input: 'features', label: 'label', probabilities: 'probabilities' };

/**
 * The service's export: TreeEnsembleClassifier with outputs `label` (int64 [N]) and
 * `probabilities` (float [N, 2], column 1 = P(bad)); node covers in nodes_hitrates (for TreeSHAP);
 * feature names and versions in the metadata.
 */
export function exportTreeEnsembleOnnx(ens: TreeEnsemble, meta: ExportMetadata): Uint8Array {
  if (meta.featureNames.length !== ens.featureCount) {
    throw new RangeError('feature names do not match the ensemble');
  }
  const F = ens.featureCount;
  const graph: onnx.IGraphProto = {
    name: meta.modelId,
    node: [
      {
        opType: 'TreeEnsembleClassifier',
        domain: ML_DOMAIN,
        name: 'TreeEnsembleClassifier',
        input: [OWN_IO.input],
        output: [OWN_IO.label, OWN_IO.probabilities],
        attribute: classifierAttributes(ens, 'covers'),
      },
    ],
    input: [{ name: OWN_IO.input, type: tensorType(onnx.TensorProto.DataType.FLOAT, ['N', F]) }],
    output: [
      { name: OWN_IO.label, type: tensorType(onnx.TensorProto.DataType.INT64, ['N']) },
      { name: OWN_IO.probabilities, type: tensorType(onnx.TensorProto.DataType.FLOAT, ['N', 2]) },
    ],
  };
  const metadata: Record<string, string> = {
    model_id: meta.modelId,
    feature_names: JSON.stringify(meta.featureNames),
    features_version: meta.featuresVersion,
    ...meta.extra,
  };
  return onnx.ModelProto.encode({
    irVersion: 8,
    producerName: 'risk-service/train-trees',
    producerVersion: '1',
    modelVersion: 1,
    docString: 'P(bad outcome) of a portfolio evaluation; see models/risk-trees/MODEL_CARD.md',
    opsetImport: [
      { domain: '', version: 17 },
      { domain: ML_DOMAIN, version: 3 },
    ],
    graph,
    metadataProps: Object.entries(metadata).map(([key, value]) => ({ key, value })),
  }).finish();
}

/**
 * A model in exactly the layout skl2onnx emits for a binary RandomForestClassifier with the
 * default zipmap=True: input `float_input` [None, F]; TreeEnsembleClassifier → `label`,
 * `probabilities`; Cast(label → `output_label`, to INT64); ZipMap(probabilities →
 * `output_probability`, classlabels_int64s [0, 1]); hitrates all 1.0 (no covers).
 */
export function buildSkl2onnxStyleModel(ens: TreeEnsemble): Uint8Array {
  const F = ens.featureCount;
  return onnx.ModelProto.encode({
    irVersion: 8,
    producerName: 'skl2onnx',
    producerVersion: '1.17.0',
    domain: 'ai.onnx',
    modelVersion: 0,
    opsetImport: [
      { domain: '', version: 17 },
      { domain: ML_DOMAIN, version: 1 },
    ],
    graph: {
      name: 'ONNX(RandomForestClassifier)',
      node: [
        {
          opType: 'TreeEnsembleClassifier',
          domain: ML_DOMAIN,
          name: 'TreeEnsembleClassifier',
          input: ['float_input'],
          output: ['label', 'probabilities'],
          attribute: classifierAttributes(ens, 'ones'),
        },
        {
          opType: 'Cast',
          domain: '',
          name: 'Cast',
          input: ['label'],
          output: ['output_label'],
          attribute: [intAttr('to', onnx.TensorProto.DataType.INT64)],
        },
        {
          opType: 'ZipMap',
          domain: ML_DOMAIN,
          name: 'ZipMap',
          input: ['probabilities'],
          output: ['output_probability'],
          attribute: [ints('classlabels_int64s', [0, 1])],
        },
      ],
      input: [{ name: 'float_input', type: tensorType(onnx.TensorProto.DataType.FLOAT, ['', F]) }],
      output: [
        { name: 'output_label', type: tensorType(onnx.TensorProto.DataType.INT64, ['']) },
        { name: 'output_probability', type: SEQ_MAP_INT64_FLOAT },
      ],
    },
  }).finish();
}

export interface TreeModelLayout {
  readonly inputName: string;
  readonly featureCount: number;
  /** Graph output holding the [N, C] probability tensor, after exposeProbabilityTensor if needed. */
  readonly probabilityOutput: string;
  /** Column of P(bad) in that tensor. */
  readonly positiveColumn: number;
  /** The probability output the graph declared was a ZipMap sequence of maps. */
  readonly zipMapped: boolean;
  readonly kind: 'classifier' | 'regressor';
  readonly metadata: Readonly<Record<string, string>>;
}

export class TreeModelError extends Error {
  override readonly name = 'TreeModelError';
}

function attrMap(node: onnx.INodeProto): Map<string, onnx.IAttributeProto> {
  return new Map((node.attribute ?? []).map((a) => [a.name ?? '', a]));
}
function intsOf(a: Map<string, onnx.IAttributeProto>, name: string): number[] {
  return (a.get(name)?.ints ?? []).map((v) => num(v as Int64));
}
function floatsOf(a: Map<string, onnx.IAttributeProto>, name: string): number[] {
  const attr = a.get(name);
  if (attr === undefined) return [];
  if (attr.floats != null && attr.floats.length > 0) return [...attr.floats];
  // *_as_tensor variants (double) hold the same numbers in a tensor.
  return [...(attr.t?.doubleData ?? [])];
}
function stringsOf(a: Map<string, onnx.IAttributeProto>, name: string): string[] {
  return (a.get(name)?.strings ?? []).map((b) => text(b));
}

function treeNode(model: onnx.IModelProto): onnx.INodeProto {
  const nodes = (model.graph?.node ?? []).filter((n) => TREE_OPS.has(n.opType ?? ''));
  if (nodes.length !== 1) {
    throw new TreeModelError(`expected one tree-ensemble node, found ${nodes.length}`);
  }
  return nodes[0];
}

/** Reads the tree structure back from the ONNX attributes (classifier or regressor). */
export function parseTreeEnsemble(model: onnx.IModelProto): TreeEnsemble {
  const node = treeNode(model);
  const a = attrMap(node);
  const classifier = node.opType === 'TreeEnsembleClassifier';
  const treeIds = intsOf(a, 'nodes_treeids');
  const nodeIds = intsOf(a, 'nodes_nodeids');
  const featureIds = intsOf(a, 'nodes_featureids');
  const modes = stringsOf(a, 'nodes_modes');
  const values = floatsOf(a, 'nodes_values');
  const yes = intsOf(a, 'nodes_truenodeids');
  const no = intsOf(a, 'nodes_falsenodeids');
  const hitrates = floatsOf(a, 'nodes_hitrates');
  const post = text(a.get('post_transform')?.s) || 'NONE';
  if (post !== 'NONE' && post !== 'LOGISTIC') {
    throw new TreeModelError(`post_transform ${post} is not supported (binary models only)`);
  }
  const prefix = classifier ? 'class' : 'target';
  const wTree = intsOf(a, `${prefix}_treeids`);
  const wNode = intsOf(a, `${prefix}_nodeids`);
  const wId = intsOf(a, `${prefix}_ids`);
  const wVal = floatsOf(a, `${prefix}_weights`);
  const bases = floatsOf(a, 'base_values');
  // Positive class: id 1 when weights for it exist, else the binary layout's single id 0.
  const positiveId = classifier && wId.some((id) => id === 1) ? 1 : 0;
  const nTargets = a.get('n_targets')?.i;
  if (!classifier && nTargets != null && num(nTargets) !== 1) {
    throw new TreeModelError('regressors with one target only');
  }
  const nTrees = treeIds.length === 0 ? 0 : Math.max(...treeIds) + 1;
  const sizes = new Array<number>(nTrees).fill(0);
  for (let i = 0; i < treeIds.length; i++) {
    sizes[treeIds[i]] = Math.max(sizes[treeIds[i]], nodeIds[i] + 1);
  }
  const trees = sizes.map((size) => ({
    feature: new Int32Array(size),
    threshold: new Float32Array(size),
    mode: new Uint8Array(size).fill(LEAF),
    yes: new Int32Array(size),
    no: new Int32Array(size),
    value: new Float64Array(size),
    cover: new Float64Array(size),
  }));
  for (let i = 0; i < treeIds.length; i++) {
    const t = trees[treeIds[i]];
    const id = nodeIds[i];
    const mode = NODE_MODES.indexOf(modes[i] as NodeMode);
    if (mode < 0) throw new TreeModelError(`unknown node mode ${modes[i]}`);
    t.mode[id] = mode;
    t.feature[id] = featureIds[i];
    t.threshold[id] = values[i];
    t.yes[id] = yes[i];
    t.no[id] = no[i];
    t.cover[id] = hitrates[i] ?? 1;
  }
  for (let i = 0; i < wTree.length; i++) {
    if (wId[i] === positiveId) trees[wTree[i]].value[wNode[i]] += wVal[i];
  }
  const aggregate = text(a.get('aggregate_function')?.s) || 'SUM';
  if (!classifier && aggregate === 'AVERAGE' && nTrees > 0) {
    for (const t of trees) for (let i = 0; i < t.value.length; i++) t.value[i] /= nTrees;
  } else if (!classifier && aggregate !== 'SUM' && aggregate !== 'AVERAGE') {
    throw new TreeModelError(`aggregate_function ${aggregate} is not supported`);
  }
  const firstCover = hitrates[0] ?? 1;
  const hasCovers = hitrates.some((h) => h !== firstCover);
  if (!hasCovers) for (const t of trees) fillEqualCovers(t);
  const featureCount = Math.max(0, ...featureIds) + 1;
  return {
    trees,
    featureCount: Math.max(featureCount, declaredFeatureCount(model) ?? 0),
    base: bases.length === 0 ? 0 : bases[Math.min(positiveId, bases.length - 1)],
    postTransform: post,
    hasCovers,
  };
}

/** Without covers every split is taken as 50/50 (a uniform background for TreeSHAP). */
function fillEqualCovers(t: DecisionTree): void {
  const visit = (n: number, c: number): void => {
    t.cover[n] = c;
    if (t.mode[n] !== LEAF) {
      visit(t.yes[n], c / 2);
      visit(t.no[n], c / 2);
    }
  };
  visit(0, 1);
}

function declaredFeatureCount(model: onnx.IModelProto): number | null {
  const dims = model.graph?.input?.[0]?.type?.tensorType?.shape?.dim ?? [];
  const last = dims[dims.length - 1];
  return last?.dimValue != null ? num(last.dimValue) : null;
}

/**
 * Finds the input and the probability tensor of a tree model. When the graph's probabilities
 * come out of a ZipMap (a sequence of maps, which onnxruntime-node does not return), the
 * ZipMap's input tensor is added as a graph output and the rewritten model is returned.
 */
export function prepareTreeModel(bytes: Uint8Array): {
  bytes: Uint8Array;
  layout: TreeModelLayout;
} {
  const model = onnx.ModelProto.decode(bytes);
  const graph = model.graph;
  if (graph == null) throw new TreeModelError('model has no graph');
  const node = treeNode(model);
  const inputs = (graph.input ?? []).filter(
    (i) => !(graph.initializer ?? []).some((t) => t.name === i.name),
  );
  if (inputs.length !== 1) throw new TreeModelError(`expected one input, found ${inputs.length}`);
  const metadata = Object.fromEntries(
    (model.metadataProps ?? []).map((p) => [p.key ?? '', p.value ?? '']),
  );
  const featureCount = parseTreeEnsemble(model).featureCount;
  const kind = node.opType === 'TreeEnsembleClassifier' ? 'classifier' : 'regressor';
  const outputs = new Set((graph.output ?? []).map((o) => o.name ?? ''));
  const treeProbs = node.output?.[kind === 'classifier' ? 1 : 0] ?? '';
  const base = { inputName: inputs[0].name ?? '', featureCount, kind, metadata } as const;
  // Regressor: its [N, 1] output is P itself (column 0).
  const positiveColumn = kind === 'classifier' ? 1 : 0;
  if (outputs.has(treeProbs)) {
    return {
      bytes,
      layout: { ...base, probabilityOutput: treeProbs, positiveColumn, zipMapped: false },
    };
  }
  const zipMap = (graph.node ?? []).find(
    (n) => n.opType === 'ZipMap' && n.input?.[0] === treeProbs,
  );
  if (zipMap === undefined) {
    throw new TreeModelError(`the tree's probability tensor ${treeProbs} reaches no output`);
  }
  graph.output = [
    ...(graph.output ?? []),
    { name: treeProbs, type: tensorType(onnx.TensorProto.DataType.FLOAT, ['', 2]) },
  ];
  return {
    bytes: onnx.ModelProto.encode(model).finish(),
    layout: { ...base, probabilityOutput: treeProbs, positiveColumn, zipMapped: true },
  };
}
