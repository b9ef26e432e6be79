/** Counts that describe a stream, for the CLI's report and the docs. */
import type { JumpLabel, StreamRecord, Topic } from './stream-record';

export interface StreamSummary {
  records: number;
  perTopic: Record<Topic, number>;
  symbols: number;
  portfolios: number;
  news: { total: number; withJump: number; neutral: number; jumps: number };
  firstTs?: string;
  lastTs?: string;
}

export function recordTs(record: StreamRecord): string {
  return record.value.ts;
}

export function summarizeStream(
  records: readonly StreamRecord[],
  labels: readonly JumpLabel[] = [],
): StreamSummary {
  const perTopic: Record<Topic, number> = {
    'market.ticks': 0,
    'news.events': 0,
    'portfolio.positions': 0,
  };
  const symbols = new Set<string>();
  const portfolios = new Set<string>();
  for (const r of records) {
    perTopic[r.topic]++;
    if (r.topic === 'market.ticks') symbols.add(r.key);
    if (r.topic === 'portfolio.positions') portfolios.add(r.key);
  }
  const withJump = labels.filter((l) => l.jumps.length > 0).length;
  return {
    records: records.length,
    perTopic,
    symbols: symbols.size,
    portfolios: portfolios.size,
    news: {
      total: perTopic['news.events'],
      withJump,
      neutral: labels.length - withJump,
      jumps: labels.reduce((n, l) => n + l.jumps.length, 0),
    },
    firstTs: records.length > 0 ? recordTs(records[0]) : undefined,
    lastTs: records.length > 0 ? recordTs(records[records.length - 1]) : undefined,
  };
}
