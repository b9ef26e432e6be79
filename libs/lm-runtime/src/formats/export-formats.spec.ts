/**
 * @jest-environment <rootDir>/tools/reasoning/src/graph/ort-test-environment.ts
 */
import { mkdtemp, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { EXPORT_FORMATS, writeExportFolder } from '@risk/reasoning-tools';
import { checkModelFolder } from '@risk/reasoning-tools/testing/format-check';

jest.setTimeout(120000);

// Each format: a small random-weight model written exactly as its exporter lays the folder out,
// beside the real Qwen3 tokenizer, run through the engine without any format-specific setting.
describe.each(EXPORT_FORMATS.map((f) => [f.name, f] as const))(
  'model folder %s',
  (_name, format) => {
    let dir: string;

    beforeAll(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), `format-${format.name}-`));
      await writeExportFolder(dir, format);
    });

    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('matches full logits when cached, and batched rows match alone', async () => {
      // No speed figure here (bench:models has it): decodeTokens 0 skips the timed decode.
      const r = await checkModelFolder(dir, { decodeTokens: 0 });
      const half = format.layout.kvDtype === 'float16';
      expect(r.layout?.kvType).toBe(half ? 'float16' : 'float32');
      expect(r.layout?.exporter).toBe(format.exporter);
      expect(r.layout?.newKv).toBe(format.exporter === 'genai' ? 'shared-buffer' : 'derived');
      expect(r.largestBatch).toBeGreaterThan(1);
      expect(r.maxLogitDiff).toBeLessThanOrEqual(half ? 2e-2 : 1e-3);
      expect(r.maxOptionDiff).toBeLessThanOrEqual(half ? 2e-2 : 1e-3);
      expect(r.generationMismatches).toBe(0);
    });
  },
);
