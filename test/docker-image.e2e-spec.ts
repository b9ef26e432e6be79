import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import request from 'supertest';
import { waitFor } from './support/harness';
import { useTestEnvironment } from './support/running-service';
import { envOf, freePort, kill } from './support/service-process';

const ROOT = join(__dirname, '..');

/** The runtime stage of a Dockerfile, as far as running it needs. */
interface RuntimeStage {
  workdir: string;
  env: Record<string, string>;
  copies: { from: string | null; sources: string[]; dest: string }[];
  healthcheck: string[] | null;
  cmd: string[];
}

/** Reads the last stage of `dockerfile`: its WORKDIR, ENV, COPY, HEALTHCHECK and CMD lines. */
export function parseRuntimeStage(dockerfile: string): RuntimeStage {
  const lines = dockerfile
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const lastFrom = lines.map((l) => /^FROM\s/i.test(l)).lastIndexOf(true);
  const stage: RuntimeStage = { workdir: '/', env: {}, copies: [], healthcheck: null, cmd: [] };
  for (const line of lines.slice(lastFrom + 1)) {
    const [, word, rest] = /^(\S+)\s+(.*)$/.exec(line) ?? [];
    switch (word?.toUpperCase()) {
      case 'WORKDIR':
        stage.workdir = rest;
        break;
      case 'ENV':
        for (const m of rest.matchAll(/(\w+)=("[^"]*"|\S+)/g))
          stage.env[m[1]] = m[2].replace(/"/g, '');
        break;
      case 'COPY': {
        const parts = rest.split(/\s+/);
        const flags = parts.filter((p) => p.startsWith('--'));
        const paths = parts.filter((p) => !p.startsWith('--'));
        const from = flags.find((f) => f.startsWith('--from='))?.slice('--from='.length) ?? null;
        stage.copies.push({ from, sources: paths.slice(0, -1), dest: paths[paths.length - 1] });
        break;
      }
      case 'HEALTHCHECK':
        stage.healthcheck = JSON.parse(/CMD\s+(\[.*\])\s*$/.exec(rest)![1]) as string[];
        break;
      case 'CMD':
        stage.cmd = JSON.parse(rest) as string[];
        break;
    }
  }
  return stage;
}

/**
 * The image boots: what docker/Dockerfile's runtime stage copies is laid out in a temporary
 * folder (the build stage's /app is this checkout, its dist/ a fresh `npm run build`), and its
 * CMD started there until /health answers; then its HEALTHCHECK passes. No Docker engine needed.
 */
describe('the Docker image', () => {
  jest.setTimeout(600_000);
  const env = useTestEnvironment('docker');
  const stage = parseRuntimeStage(readFileSync(join(ROOT, 'docker', 'Dockerfile'), 'utf8'));
  const work = mkdtempSync(join(tmpdir(), 'risk-image-'));
  const app = join(work, 'app');
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  beforeAll(() => {
    // The build stage: `npm run build` into a dist/ of its own (the checkout's is left alone).
    const built = join(work, 'build', 'dist');
    const bin = (name: string) => join(ROOT, 'node_modules', '.bin', name);
    execFileSync(bin('tsc'), ['-p', 'tsconfig.build.json', '--outDir', built], { cwd: ROOT });
    execFileSync(bin('tsc-alias'), ['-p', 'tsconfig.build.json', '--outDir', built], { cwd: ROOT });
    for (const copy of stage.copies) {
      for (const source of copy.sources) {
        // --from=build: /app of the build stage is the checkout plus its build output.
        const rel = copy.from ? posix.relative('/app', source) : source;
        const target = join(
          app,
          posix.normalize(copy.dest),
          copy.sources.length > 1 ? posix.basename(rel) : '',
        );
        mkdirSync(dirname(target), { recursive: true });
        if (rel === 'dist') renameSync(built, target);
        else if (existsSync(join(ROOT, rel))) symlinkSync(join(ROOT, rel), target);
        else throw new Error(`COPY ${source}: not in the checkout`);
      }
    }
  });

  it('boots from what the runtime stage copies, answers /health, and passes its HEALTHCHECK', async () => {
    expect(stage.workdir).toBe('/app');
    expect(stage.healthcheck).not.toBeNull();
    const port = await freePort();
    const childEnv = {
      ...process.env,
      ...envOf(env.config({ PORT: String(port), INSTANCE_ID: 'image' })),
      ...stage.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      // The image runs with NODE_ENV=production, which refuses to start without this key.
      WEBHOOK_SECRET_KEY: randomBytes(32).toString('hex'),
    };
    const [command, ...args] = stage.cmd;
    const child = spawn(command === 'node' ? process.execPath : command, args, {
      cwd: app,
      env: childEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (b: Buffer) => (output += b.toString()));
    child.stderr.on('data', (b: Buffer) => (output += b.toString()));
    env.cleanup(() => kill(child, 'SIGKILL'));
    await waitFor(
      async () => {
        if (child.exitCode !== null)
          throw new Error(`the image's CMD exited: ${output.slice(-3000)}`);
        const res = await request(`http://127.0.0.1:${port}`)
          .get('/health')
          .timeout(2000)
          .catch(() => null);
        return res?.status === 200;
      },
      180_000,
      '/health of the laid-out image',
    );
    await request(`http://127.0.0.1:${port}`).get('/dashboard').expect(200);
    const [hcCommand, ...hcArgs] = stage.healthcheck!;
    const hc = spawnSync(hcCommand === 'node' ? process.execPath : hcCommand, hcArgs, {
      cwd: app,
      env: childEnv,
      timeout: 10_000,
    });
    expect(hc.status).toBe(0);
    await kill(child, 'SIGTERM');
    expect(child.exitCode).toBe(0);
  });
});
