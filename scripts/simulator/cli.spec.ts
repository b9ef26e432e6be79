import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { decodeInput } from '@risk/contracts';
import { parseSimulateArgs, SAMPLE_STREAM_ARGS, toJsonl } from './cli';
import { simulateMarket } from './market-simulator';

describe('parseSimulateArgs', () => {
  it('maps the options onto the config, keeping jitter proportional to the interval', () => {
    const a = parseSimulateArgs([
      '--seed',
      '7',
      '--minutes',
      '3',
      '--tick-ms',
      '1500',
      '--out',
      'x',
    ]);
    expect(a.config).toEqual({ seed: 7, minutes: 3, tickIntervalMs: 1500, tickJitterMs: 600 });
    expect(a.out).toBe('x');
    expect(parseSimulateArgs([]).config).toEqual({});
    expect(() => parseSimulateArgs(['--seed', 'abc'])).toThrow(/seed/);
  });
});

describe('the bundled sample stream', () => {
  const file = join(__dirname, '..', '..', 'data', 'sample-stream.jsonl');

  it('is small and exactly what the documented command generates', () => {
    expect(statSync(file).size).toBeLessThanOrEqual(2 * 1024 * 1024);
    const { config } = parseSimulateArgs(SAMPLE_STREAM_ARGS);
    // If this fails after a simulator change, regenerate: npm run simulate -- <SAMPLE_STREAM_ARGS>
    expect(readFileSync(file, 'utf8') === toJsonl(simulateMarket(config).records)).toBe(true);
  });

  it('decodes with the service contract, line by line', () => {
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    const kinds = {
      'market.ticks': 'tick',
      'news.events': 'news',
      'portfolio.positions': 'positions',
    } as const;
    const bad = lines.filter((line) => {
      const r = JSON.parse(line) as { topic: keyof typeof kinds; key: string; value: unknown };
      const d = decodeInput(
        kinds[r.topic],
        Buffer.from(r.key),
        Buffer.from(JSON.stringify(r.value)),
      );
      return !d.ok;
    });
    expect(bad).toEqual([]);
  });
});
