import { promises as fs } from 'node:fs';
import * as ort from 'onnxruntime-node';
import type { MergeLogit, ProbabilityBands } from '../merge';
import { parseBands, parseMergeLogit } from '../merge-metadata';
import { FEATURE_NAMES } from './features';
import {
  parseTreeEnsemble,
  prepareTreeModel,
  TreeModelError,
  type TreeModelLayout,
} from './onnx-trees';
import { onnx } from 'onnx-proto';
import { applyPostTransform, predictMargin, type TreeEnsemble } from './tree-ensemble';
import {
  describeDecisionPath,
  topContributions,
  topTrees,
  TreeExplainer,
  type Contribution,
} from './tree-shap';

export interface TreeScorerOptions {
  /** Threads ORT may use inside one run; 1 keeps a single-row run cheapest. */
  readonly intraOpNumThreads?: number;
}

export interface TreeExplanation {
  /** P(bad outcome). */
  readonly probability: number;
  /** E[margin] under the training covers: what every explanation starts from. */
  readonly expectedValue: number;
  /** margin = expectedValue + Σ shap (margin = P for the shipped forest, log-odds with LOGISTIC). */
  readonly margin: number;
  /** SHAP value of every feature, in FEATURE order. */
  readonly shap: Float64Array;
  readonly top: Contribution[];
  /** Decision paths of the trees that moved this row's score most, in words. */
  readonly paths: string[];
}

/**
 * The ONNX side of tree scoring: loads a tree-ensemble .onnx (the service's own export or one
 * from skl2onnx / onnxmltools), runs it in onnxruntime-node on a float32 batch and returns
 * P(bad outcome) per row; explains a row from the same file's trees.
 */
export class TreeScorer {
  readonly explainer: TreeExplainer;
  readonly featureNames: readonly string[];
  /** name@version from the model's metadata, or the graph name. */
  readonly modelId: string;
  /** Multiplies a leaf weight back into its tree's own output (number of trees of a forest). */
  readonly leafScale: number;
  /** Probability bands calibrated with the model (metadata `merge_bands`), or null. */
  readonly bands: ProbabilityBands | null;
  /** The merge's calibrated coefficients (metadata `merge_logit`), or null. */
  readonly mergeLogit: MergeLogit | null;

  private constructor(
    private readonly session: ort.InferenceSession,
    readonly layout: TreeModelLayout,
    readonly ensemble: TreeEnsemble,
    modelId: string,
  ) {
    this.explainer = new TreeExplainer(ensemble);
    const names = layout.metadata.feature_names;
    this.featureNames =
      names !== undefined ? (JSON.parse(names) as string[]) : defaultNames(ensemble);
    this.modelId = layout.metadata.model_id ?? modelId;
    this.leafScale = Number(layout.metadata.leaf_scale ?? '1') || 1;
    this.bands = parseBands(layout.metadata.merge_bands);
    this.mergeLogit = parseMergeLogit(layout.metadata.merge_logit);
  }

  static async load(
    source: string | Uint8Array,
    options: TreeScorerOptions = {},
  ): Promise<TreeScorer> {
    const raw = typeof source === 'string' ? new Uint8Array(await fs.readFile(source)) : source;
    const { bytes, layout } = prepareTreeModel(raw);
    const model = onnx.ModelProto.decode(bytes);
    const ensemble = parseTreeEnsemble(model);
    const session = await ort.InferenceSession.create(bytes, {
      executionProviders: ['cpu'],
      intraOpNumThreads: options.intraOpNumThreads ?? 1,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    });
    if (!session.inputNames.includes(layout.inputName)) {
      throw new TreeModelError(`session has no input ${layout.inputName}`);
    }
    if (!session.outputNames.includes(layout.probabilityOutput)) {
      throw new TreeModelError(`session has no output ${layout.probabilityOutput}`);
    }
    return new TreeScorer(session, layout, ensemble, model.graph?.name ?? 'trees');
  }

  get featureCount(): number {
    return this.layout.featureCount;
  }

  /** P(bad) of each of `rows` rows laid out row-major in `batch` (rows × featureCount). */
  async score(batch: Float32Array, rows = batch.length / this.featureCount): Promise<Float32Array> {
    const F = this.featureCount;
    if (!Number.isInteger(rows) || rows < 1 || batch.length < rows * F) {
      throw new RangeError(`batch must hold rows × ${F} floats`);
    }
    const input = new ort.Tensor(
      'float32',
      batch.length === rows * F ? batch : batch.subarray(0, rows * F),
      [rows, F],
    );
    const result = await this.session.run({ [this.layout.inputName]: input }, [
      this.layout.probabilityOutput,
    ]);
    const out = result[this.layout.probabilityOutput];
    const data = out.data as Float32Array;
    const cols = out.dims.length > 1 ? Number(out.dims[1]) : 1;
    const p = new Float32Array(rows);
    for (let r = 0; r < rows; r++)
      p[r] = data[r * cols + Math.min(this.layout.positiveColumn, cols - 1)];
    return p;
  }

  /** SHAP values and decision paths of one row (synchronous; the trees are in JS). */
  explain(
    row: Float32Array,
    offset = 0,
    options: { topK?: number; paths?: number } = {},
  ): TreeExplanation {
    const shap = this.explainer.shap(row, offset);
    const margin = predictMargin(this.ensemble, row, offset);
    const trees = topTrees(this.explainer, row, options.paths ?? 1, offset);
    return {
      probability: applyPostTransform(this.ensemble.postTransform, margin),
      expectedValue: this.explainer.expectedValue,
      margin,
      shap,
      top: topContributions(shap, row, this.featureNames, options.topK ?? 5, offset),
      paths: trees.map(
        (t) =>
          `tree ${t}: ` +
          describeDecisionPath(
            this.ensemble.trees[t],
            row,
            this.featureNames,
            this.leafScale,
            offset,
          ),
      ),
    };
  }

  /** Frees the session once; later calls wait for the same release. */
  release(): Promise<void> {
    this.releasing ??= this.session.release();
    return this.releasing;
  }
  private releasing?: Promise<void>;
}

function defaultNames(ens: TreeEnsemble): string[] {
  return ens.featureCount === FEATURE_NAMES.length
    ? [...FEATURE_NAMES]
    : Array.from({ length: ens.featureCount }, (_, i) => `f${i}`);
}
