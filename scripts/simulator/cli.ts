/**
 * Writes a simulated stream as JSONL, one `{ topic, key, value }` record a line.
 *   npm run simulate -- --seed 42 --minutes 30 --out data/sample-stream.jsonl [--labels labels.jsonl]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { numberOption } from './cli-options';
import { DEFAULT_CONFIG, simulateMarket, type SimulationConfig } from './market-simulator';
import { summarizeStream } from './stream-summary';

/** The arguments that made data/sample-stream.jsonl (a test checks the file still matches). */
export const SAMPLE_STREAM_ARGS = ['--seed', '42', '--minutes', '25', '--tick-ms', '1500'];

const USAGE = `usage: simulate [--seed N] [--minutes M] [--out FILE] [--labels FILE]
  [--tick-ms MS] [--jitter-ms MS] [--news-per-minute R] [--start ISO] [--vol-scale X]
Without --out the stream goes to stdout; the summary always goes to stderr.`;

export function parseSimulateArgs(argv: string[]): {
  config: Partial<SimulationConfig>;
  out?: string;
  labels?: string;
  help: boolean;
} {
  const { values } = parseArgs({
    args: argv,
    options: {
      seed: { type: 'string' },
      minutes: { type: 'string' },
      out: { type: 'string' },
      labels: { type: 'string' },
      'tick-ms': { type: 'string' },
      'jitter-ms': { type: 'string' },
      'news-per-minute': { type: 'string' },
      start: { type: 'string' },
      'vol-scale': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const config: Partial<SimulationConfig> = {};
  const set = <K extends keyof SimulationConfig>(
    key: K,
    value: SimulationConfig[K] | undefined,
  ): void => {
    if (value !== undefined) config[key] = value;
  };
  set('seed', numberOption(values.seed, 'seed'));
  set('minutes', numberOption(values.minutes, 'minutes'));
  const tickMs = numberOption(values['tick-ms'], 'tick-ms');
  set('tickIntervalMs', tickMs);
  // Keep the default 40% jitter proportional when only the interval is given.
  set(
    'tickJitterMs',
    numberOption(values['jitter-ms'], 'jitter-ms') ??
      (tickMs !== undefined ? Math.floor(tickMs * 0.4) : undefined),
  );
  set('newsPerMinute', numberOption(values['news-per-minute'], 'news-per-minute'));
  set('start', values.start);
  set('volScale', numberOption(values['vol-scale'], 'vol-scale'));
  return { config, out: values.out, labels: values.labels, help: values.help ?? false };
}

export function toJsonl(items: readonly unknown[]): string {
  return items.map((i) => JSON.stringify(i)).join('\n') + (items.length > 0 ? '\n' : '');
}

function writeFile(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

function main(): void {
  const args = parseSimulateArgs(process.argv.slice(2));
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const { records, labels } = simulateMarket(args.config);
  const text = toJsonl(records);
  if (args.out) writeFile(args.out, text);
  else process.stdout.write(text);
  if (args.labels) writeFile(args.labels, toJsonl(labels));
  const summary = summarizeStream(records, labels);
  const seed = args.config.seed ?? DEFAULT_CONFIG.seed;
  process.stderr.write(
    `${JSON.stringify({ seed, bytes: Buffer.byteLength(text), ...summary, out: args.out ?? 'stdout', labels: args.labels })}\n`,
  );
}

if (require.main === module) {
  try {
    main();
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n${USAGE}\n`);
    process.exitCode = 1;
  }
}
