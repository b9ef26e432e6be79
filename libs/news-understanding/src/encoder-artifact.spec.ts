import { mkdtempSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NEWS_ENCODER, encoderFiles, ensureNewsEncoder } from './encoder-artifact';

describe('the news encoder artifact', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'news-encoder-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('fails with a clear message when the files are missing and Maven cannot fetch them', () => {
    // A Maven that cannot run: as offline as it gets.
    const mvn = join(dir, 'no-such-mvn');
    expect(() => ensureNewsEncoder(encoderFiles(dir, '.'), () => undefined, mvn)).toThrow(
      /news encoder is missing at .* and could not be fetched \(offline\? run `npm run infra:up`/,
    );
  });

  it('refuses a jar whose sha256 is not the pinned one, and removes it', () => {
    const jar = join(dir, `${NEWS_ENCODER.artifactId}-${NEWS_ENCODER.version}.jar`);
    writeFileSync(jar, 'not the jar');
    expect(() => ensureNewsEncoder(encoderFiles(dir, '.'), () => undefined)).toThrow(
      new RegExp(`sha256 [0-9a-f]{64}, expected ${NEWS_ENCODER.sha256}: removed`),
    );
    expect(existsSync(jar)).toBe(false);
  });

  it('does nothing when the extracted files are there', () => {
    const files = encoderFiles(dir, '.');
    writeFileSync(files.onnx, '');
    writeFileSync(files.tokenizer, '{}');
    const log: string[] = [];
    ensureNewsEncoder(files, (l) => log.push(l));
    expect(log).toEqual([]);
  });
});
