/**
 * @jest-environment <rootDir>/tools/reasoning/src/graph/ort-test-environment.ts
 */
import { mkdtemp, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { EXPORT_FORMATS, writeExportFolder } from '@risk/reasoning-tools';
import { checkModelFolder } from '@risk/reasoning-tools/testing/format-check';

jest.setTimeout(120000);

// The device-resident K/V path (REASONING_KV_ON_DEVICE=true) forced on the CPU provider over the
// layouts it treats differently: a derived present_new export (fp32), float16 K/V (downloads
// convert to float32), and onnxruntime-genai's GroupQueryAttention (single rows feed present
// back; batches keep their shared host buffer). Any read of K/V not downloaded first throws.
const FORMATS = ['optimum-llama-fp32', 'optimum-qwen2-fp16', 'genai-qwen2-fp16'];

describe.each(
  EXPORT_FORMATS.filter((f) => FORMATS.includes(f.name)).map((f) => [f.name, f] as const),
)('model folder %s, K/V kept as session tensors', (_name, format) => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), `format-kv-${format.name}-`));
    await writeExportFolder(dir, format);
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('matches full logits when cached, and batched rows match alone', async () => {
    const r = await checkModelFolder(dir, { decodeTokens: 0, kvOnDevice: true });
    const half = format.layout.kvDtype === 'float16';
    expect(r.kvOnDevice).toBe(true);
    expect(r.largestBatch).toBeGreaterThan(1);
    expect(r.maxLogitDiff).toBeLessThanOrEqual(half ? 2e-2 : 1e-3);
    expect(r.maxOptionDiff).toBeLessThanOrEqual(half ? 2e-2 : 1e-3);
    expect(r.generationMismatches).toBe(0);
  });
});
