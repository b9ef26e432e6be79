/**
 * The formats part of `npm run bench:models` (runnable alone: `node -r ts-node/register/transpile-only
 * -r tsconfig-paths/register bench/models-formats.ts [--ep cuda]`). For each folder layout users
 * download (Optimum Llama/Qwen2/Qwen3 fp32 and fp16, with and without position_ids;
 * onnxruntime-genai GroupQueryAttention + MatMulNBits int4), builds a small random-weight model
 * in exactly that layout beside the real Qwen3 tokenizer and runs it through the engine: loaded,
 * largest cached-vs-full logit difference, batched-vs-alone option scores and generation, and
 * decode tokens per second (tiny models on a shared CPU: a smoke figure, not a speed claim).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { EXPORT_FORMATS, writeExportFolder } from '@risk/reasoning-tools';
import { checkModelFolder } from '@risk/reasoning-tools/testing/format-check';

/** Goals of issue 16: cached vs full within these, batched vs alone too. */
export const FORMAT_TOLERANCE = { float32: 1e-3, float16: 2e-2 } as const;

export interface FormatRow {
  format: string;
  loaded: boolean;
  maxLogitDiff: number;
  tokensPerSecond: number;
  /** Why the format failed, when it did. */
  problem?: string;
}

export interface FormatsResult {
  formatsOk: number;
  formats: number;
  maxLogitDiffFp32: number;
  maxLogitDiffFp16: number;
  rows: FormatRow[];
}

export async function measureFormats(
  opts: { executionProviders?: readonly string[] } = {},
): Promise<FormatsResult> {
  const rows: FormatRow[] = [];
  let formatsOk = 0;
  let maxLogitDiffFp32 = 0;
  let maxLogitDiffFp16 = 0;
  for (const format of EXPORT_FORMATS) {
    const dir = await mkdtemp(path.join(os.tmpdir(), `bench-format-${format.name}-`));
    const half = format.layout.kvDtype === 'float16';
    const tol = half ? FORMAT_TOLERANCE.float16 : FORMAT_TOLERANCE.float32;
    try {
      await writeExportFolder(dir, format);
      const r = await checkModelFolder(dir, opts);
      const problems = [
        r.maxLogitDiff > tol ? `cached vs full ${r.maxLogitDiff}` : '',
        r.maxOptionDiff > tol ? `batched vs alone options ${r.maxOptionDiff}` : '',
        r.generationMismatches > 0 ? `${r.generationMismatches} generations differ` : '',
      ].filter((p) => p.length > 0);
      if (problems.length === 0) formatsOk++;
      if (half) maxLogitDiffFp16 = Math.max(maxLogitDiffFp16, r.maxLogitDiff);
      else maxLogitDiffFp32 = Math.max(maxLogitDiffFp32, r.maxLogitDiff);
      rows.push({
        format: format.name,
        loaded: true,
        maxLogitDiff: r.maxLogitDiff,
        tokensPerSecond: r.decodeTokensPerSecond,
        ...(problems.length > 0 ? { problem: problems.join('; ') } : {}),
      });
    } catch (err) {
      rows.push({
        format: format.name,
        loaded: false,
        maxLogitDiff: NaN,
        tokensPerSecond: 0,
        problem: err instanceof Error ? err.message : String(err),
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  return { formatsOk, formats: EXPORT_FORMATS.length, maxLogitDiffFp32, maxLogitDiffFp16, rows };
}

export function printFormats(r: FormatsResult): void {
  console.log('format                               loaded  max |cached-full|  decode tok/s');
  for (const row of r.rows) {
    console.log(
      `${row.format.padEnd(37)}${(row.loaded ? 'yes' : 'no').padEnd(8)}` +
        `${row.maxLogitDiff.toExponential(2).padStart(17)}  ${row.tokensPerSecond.toFixed(1).padStart(12)}` +
        (row.problem ? `  FAIL: ${row.problem}` : ''),
    );
  }
}

export function formatsResultFields(r: FormatsResult): Record<string, string | number> {
  return {
    formats_ok: r.formatsOk,
    formats: r.formats,
    max_logit_diff: Math.max(r.maxLogitDiffFp32, r.maxLogitDiffFp16).toExponential(2),
    max_logit_diff_fp32: r.maxLogitDiffFp32.toExponential(2),
    max_logit_diff_fp16: r.maxLogitDiffFp16.toExponential(2),
  };
}

/** `--ep cuda` (or REASONING_EP): the execution providers to run the formats on. */
export function executionProvidersFromArgs(argv = process.argv): string[] {
  const i = argv.indexOf('--ep');
  const raw = i >= 0 ? argv[i + 1] : process.env.REASONING_EP;
  return (raw ?? 'cpu')
    .split(',')
    .map((p) => p.trim().toLowerCase())
    .filter((p) => p.length > 0);
}

if (require.main === module) {
  const executionProviders = executionProvidersFromArgs();
  measureFormats({ executionProviders })
    .then((r) => {
      printFormats(r);
      console.log(
        'RESULT ' +
          Object.entries(formatsResultFields(r))
            .map(([k, v]) => `${k}=${v}`)
            .join(' '),
      );
    })
    .catch((err: unknown) => {
      console.error(err);
      process.exit(1);
    });
}
