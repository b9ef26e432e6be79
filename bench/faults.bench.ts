/**
 * bench:faults — from one run: the time to ready again after a broker restart and after a
 * PostgreSQL restart (a broker and a cluster of the bench's own, never the shared ones), the
 * evaluations lost and duplicated over every fault of test/faults.e2e-spec.ts, and the risk
 * engine's resident memory after ticks of 100,000 distinct symbols (produced with kcat).
 *
 * RESULT broker_recovery_s=… pg_recovery_s=… lost=… duplicated=… rss_100k_symbols_mb=…
 */
import { readFileSync } from 'node:fs';
import { Kafka, logLevel } from 'kafkajs';
import { groupIds } from '@risk/platform';
import { BROKERS, waitFor } from '../test/support/harness';
import { FAULT_SCENARIOS, FaultStream, type FaultOutcome } from '../test/support/fault-scenarios';
import { kcatProduce } from '../test/support/private-infra';
import { resultLine, round } from './bench-support';

const SHARED_PG = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/risk';
const SYMBOL_COUNT = Number(process.env.BENCH_SYMBOLS ?? 100_000);
/** Past this the engine is stopped (the goal is 1 GiB; the machine is shared). */
const RSS_LIMIT_MB = Number(process.env.BENCH_RSS_LIMIT_MB ?? 3072);

/** The process's resident set in MB; 0 once it is gone (an exiting process has no VmRSS). */
function rssMb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

/**
 * The engine's peak RSS while it reads two ticks of each of SYMBOL_COUNT distinct symbols (a
 * return per symbol, sampled every second) and for 15 s after its tick consumer committed them.
 */
async function rssAfterDistinctSymbols(): Promise<{ rssMb: number; consumed: number }> {
  const s = new FaultStream('bench-symbols', BROKERS, SHARED_PG, 1);
  const kafka = new Kafka({
    clientId: 'bench-faults',
    brokers: [BROKERS],
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    await s.createTopics();
    const { child } = await s.spawn('risk-engine', 'a', { SAMPLE_INTERVAL_MS: '1000' });
    s.snapshots();
    const now = Date.now();
    const ticks = [0, 1].flatMap((round) => {
      const ts = new Date(now - 10_000 + round * 5000).toISOString();
      return Array.from({ length: SYMBOL_COUNT }, (_, i) => {
        const symbol = `X${i.toString(36).toUpperCase()}`;
        const price = 10 + (i % 100) + round * ((i % 7) - 3) * 0.01;
        return {
          key: symbol,
          value: JSON.stringify({ id: `t-${round}-${i}`, symbol, price, ts }),
        };
      });
    });
    const group = groupIds(s.config({ INSTANCE_ID: 'a' })).ticks;
    let consumed = 0;
    let peak = 0;
    let capped = false;
    const sample = () => {
      if (child.exitCode === null && child.signalCode === null) {
        peak = Math.max(peak, rssMb(child.pid!));
        // The machine is shared: an engine whose memory runs away is stopped, its peak kept.
        if (peak > RSS_LIMIT_MB && !capped) {
          capped = true;
          child.kill('SIGKILL');
        }
      }
    };
    const sampler = setInterval(sample, 250);
    try {
      for (let i = 0; i < ticks.length; i += 20_000) {
        kcatProduce(s.brokers, s.topics.ticks, ticks.slice(i, i + 20_000));
      }
      await waitFor(
        async () => {
          if (child.exitCode !== null || child.signalCode !== null) {
            throw new Error(`the engine exited (${child.exitCode ?? child.signalCode})`);
          }
          const offsets = await admin.fetchOffsets({ groupId: group, topics: [s.topics.ticks] });
          consumed = offsets
            .flatMap((t) => t.partitions)
            .reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
          return consumed >= ticks.length || undefined;
        },
        600_000,
        `${ticks.length} ticks committed`,
      ).catch((e: Error) => process.stderr.write(`${e.message}\n`));
      await new Promise((r) => setTimeout(r, 15_000));
      sample();
    } finally {
      clearInterval(sampler);
    }
    process.stderr.write(
      `engine after ${consumed} ticks of ${SYMBOL_COUNT} distinct symbols: peak RSS ${round(peak, 1)} MB` +
        (capped ? ` (stopped at the ${RSS_LIMIT_MB} MB cap)` : '') +
        `${!capped && (child.exitCode !== null || child.signalCode !== null) ? ' (the engine exited)' : ''}\n`,
    );
    return { rssMb: peak, consumed };
  } finally {
    await admin.disconnect();
    await s.dispose();
  }
}

async function main(): Promise<void> {
  const outcomes: FaultOutcome[] = [];
  for (const scenario of process.env.BENCH_SCENARIOS === '0' ? [] : FAULT_SCENARIOS) {
    const started = performance.now();
    const o = await scenario();
    outcomes.push(o);
    process.stderr.write(
      `${o.name}: lost ${o.lost}, duplicated ${o.duplicated}, oversized ${o.oversized ?? 0}` +
        (o.recoveryS === undefined ? '' : `, ready again in ${round(o.recoveryS, 1)} s`) +
        ` (${round((performance.now() - started) / 1000, 0)} s)\n`,
    );
  }
  const memory = await rssAfterDistinctSymbols();
  const find = (name: string) => outcomes.find((o) => o.name === name)?.recoveryS ?? NaN;
  console.log(
    resultLine({
      broker_recovery_s: round(find('broker restart'), 1),
      pg_recovery_s: round(find('postgres restart'), 1),
      lost: outcomes.reduce((s, o) => s + o.lost, 0),
      duplicated: outcomes.reduce((s, o) => s + o.duplicated, 0),
      rss_100k_symbols_mb: round(memory.rssMb, 0),
    }),
  );
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
