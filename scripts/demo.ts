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
  // A person reads this console: readable lines unless asked otherwise.
  process.env.LOG_FORMAT ??= 'pretty';
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
  // A laptop's demo shows the model's chain of thought: it waits longer for it than a desk's
  // latency budget would (REASONING_NEWS_BUDGET_MS / REASONING_MOVE_BUDGET_MS still override).
  const cfg = loadConfig({
    MAX_CLOCK_SKEW_MS: String(365 * 86_400_000),
    REASONING_NEWS_BUDGET_MS: '5000',
    REASONING_MOVE_BUDGET_MS: '2000',
    ...process.env,
  });
  const app = await startService(cfg);
  const base = `http://localhost:${cfg.port}`;
  const key = await demoApiKey(app);
  const speed = cfg.demoSpeed;
  const controller = new AbortController();
  // The app closes itself on these signals, once, and exits 0 (enableGracefulShutdown); the
  // replay only has to stop producing.
  process.once('SIGINT', () => controller.abort());
  process.once('SIGTERM', () => controller.abort());
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
