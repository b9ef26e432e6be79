/**
 * npm run demo — brings up Kafka (and PostgreSQL if it stopped), runs every service in this
 * process, replays the bundled market and news stream onto Kafka in a loop with times re-based
 * to now, and prints where to look. Ctrl-C stops it all.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { loadConfig } from '@risk/platform';

import { startService } from '../apps/all/src/start-service';

import { demoReferenceRecords } from './simulator/reference-data';
import { replayStream } from './simulator/replay';
import { demoApiKey } from './demo-key';

async function main(): Promise<void> {
  const root = join(__dirname, '..');
  execFileSync(
    process.execPath,
    [
      '-r',
      'ts-node/register/transpile-only',
      '-r',
      'tsconfig-paths/register',
      join(root, 'scripts/infra/infra.ts'),
      'up',
    ],
    {
      stdio: 'inherit',
      env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true' },
    },
  );
  // The replay plays event time DEMO_SPEED times faster than the clock, for ever: its times soon
  // run ahead of now by more than the default MAX_CLOCK_SKEW_MS would allow.
  const cfg = loadConfig({ MAX_CLOCK_SKEW_MS: String(365 * 86_400_000), ...process.env });
  const app = await startService(cfg);
  const base = `http://localhost:${cfg.port}`;
  const key = await demoApiKey(app);
  const speed = Number(process.env.DEMO_SPEED ?? 10);
  const controller = new AbortController();
  const stop = async () => {
    controller.abort();
    await app.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
  console.log(
    [
      '',
      'Risk service demo is running.',
      // The key rides in the fragment: the page stores it for this tab and drops it from the
      // address bar; fragments are never sent to a server.
      key
        ? `  dashboard      ${base}/#key=${encodeURIComponent(key)}`
        : `  dashboard      ${base}/`,
      `  API            ${base}/api/v1/portfolios`,
      `  OpenAPI        ${base}/api/docs`,
      `  metrics        ${base}/metrics`,
      key ? `  API key        ${key}` : '',
      `  reference data ${base}/api/v1/instruments/ACME`,
      `  replaying data/sample-stream.jsonl at ${speed}× (DEMO_SPEED), looping; Ctrl-C to stop`,
      '',
    ]
      .filter((l) => l !== '')
      .join('\n'),
  );
  // Reference data first, once, as it is (fixed ids and times: producing it again is a no-op).
  await replayStream({
    records: demoReferenceRecords(),
    speed: 0,
    loop: false,
    rebaseTime: false,
    runTag: '',
    topicPrefix: cfg.topicPrefix,
    signal: controller.signal,
  });
  await replayStream({
    file: join(root, 'data/sample-stream.jsonl'),
    speed,
    loop: true,
    rebaseTime: true,
    topicPrefix: cfg.topicPrefix,
    signal: controller.signal,
  });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
