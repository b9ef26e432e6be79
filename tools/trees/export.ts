/** Writes models/risk-trees/: the ONNX file with its metadata, the training report, the model card. */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as prettier from 'prettier';
import { LOSS_LABEL_TEXT } from '@risk/contracts/loss-label';
import type { MergeLogit, ProbabilityBands } from '@risk/scoring/merge';
import {
  exportTreeEnsembleOnnx,
  FEATURE_NAMES,
  FEATURES_VERSION,
  type TreeEnsemble,
} from '@risk/scoring/trees';
import { modelCard, type Report } from './model-card';

export const MODEL_ID = 'risk-trees@3';

/** Exports the ensemble with the merge's settings in its metadata; returns the file's bytes. */
export async function writeModel(
  outDir: string,
  ensemble: TreeEnsemble,
  merge: { bands: ProbabilityBands; mergeLogit: MergeLogit },
  newsJudgements: string,
): Promise<{ bytes: Uint8Array; modelPath: string }> {
  const bytes = exportTreeEnsembleOnnx(ensemble, {
    modelId: MODEL_ID,
    featureNames: FEATURE_NAMES,
    featuresVersion: FEATURES_VERSION,
    extra: {
      leaf_scale: String(ensemble.trees.length),
      label: LOSS_LABEL_TEXT,
      training_library: 'ml-random-forest@2.1.0 (ml-cart@2.1.1)',
      merge_bands: JSON.stringify(merge.bands),
      merge_logit: JSON.stringify(merge.mergeLogit),
      news_judgements: newsJudgements,
    },
  });
  await fs.mkdir(outDir, { recursive: true });
  const modelPath = path.join(outDir, 'model.onnx');
  await fs.writeFile(modelPath, bytes);
  return { bytes, modelPath };
}

/** training-report.json (formatted as prettier would, so the format check passes) and MODEL_CARD.md. */
export async function writeReport(outDir: string, report: Report): Promise<void> {
  const reportPath = path.join(outDir, 'training-report.json');
  const style = (await prettier.resolveConfig(reportPath)) ?? {};
  await fs.writeFile(
    reportPath,
    await prettier.format(JSON.stringify(report), { ...style, parser: 'json' }),
  );
  await fs.writeFile(path.join(outDir, 'MODEL_CARD.md'), modelCard(report));
}
