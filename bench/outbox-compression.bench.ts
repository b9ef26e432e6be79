/**
 * The outbox relay's publishing cost with and without compression: N ~16 kB evaluations sent as
 * the relay sends them (idempotent producer, one in flight, acks -1, sendBatch of relay batches
 * of OUTBOX_BATCH rows cut by splitIntoSends, header outbox-id, 3 partitions), once per codec,
 * alternating: none, gzip as the service produces it (zlib level 1) and kafkajs's own gzip
 * (level 6). Per codec: the main thread's CPU (/proc/self/task/<pid>/stat: the event loop,
 * without libuv's pool), the process's CPU (process.cpuUsage: every thread), event-loop
 * utilisation, wall time, and the partitions' bytes on the broker (the local broker's log).
 *
 *   npm run bench:outbox-compression -- [evaluations=2000] [rounds=2]
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { CompressionCodecs, CompressionTypes, Kafka, logLevel } from 'kafkajs';
import { sendBudget, splitIntoSends, DEFAULT_SEND_BUDGET_BYTES } from '@risk/persistence';
import { registerKafkaCodecs, type OutputCompression } from '@risk/platform';
import { ensureTopics } from '../scripts/infra/topics';
import { evaluationPayload } from '../test/support/evaluation-payload';
import { resultLine, round } from './bench-support';

const BROKERS = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';
const N = Number(process.argv[2] ?? 2000);
const ROUNDS = Number(process.argv[3] ?? 2);
const RELAY_BATCH = 500; // OUTBOX_BATCH's default
const PARTITIONS = 3;
const DATA = join(__dirname, '..', '.cache', 'kafka', 'data');
const TICK_MS = 10; // USER_HZ = 100 on Linux

/** CPU ms of the main thread (utime + stime of the task whose id is the process id). */
function mainThreadCpuMs(): number {
  const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
}

function brokerBytes(topic: string): number | null {
  if (!existsSync(DATA)) return null;
  let bytes = 0;
  for (let p = 0; p < PARTITIONS; p++) {
    const dir = join(DATA, `${topic}-${p}`);
    for (const f of readdirSync(dir)) if (f.endsWith('.log')) bytes += statSync(join(dir, f)).size;
  }
  return bytes;
}

// kafkajs's own gzip (zlib level 6), kept before registerKafkaCodecs puts the service's (level 1).
const KAFKAJS_GZIP = CompressionCodecs[CompressionTypes.GZIP];
let serviceGzip = KAFKAJS_GZIP;

/** `gzip-6`: kafkajs's built-in codec, for comparison. */
type Mode = OutputCompression | 'gzip-6';

async function run(kafka: Kafka, mode: Mode, round_: number): Promise<void> {
  const codec: OutputCompression = mode === 'none' ? 'none' : 'gzip';
  CompressionCodecs[CompressionTypes.GZIP] = mode === 'gzip-6' ? KAFKAJS_GZIP : serviceGzip;
  const topic = `bench-outbox-${mode}-${Date.now().toString(36)}-${round_}`;
  await ensureTopics(BROKERS, [topic], PARTITIONS);
  const rows = Array.from({ length: N }, (_, n) => ({
    id: String(n + 1),
    topic,
    partition: n % PARTITIONS,
    key: `pf-${n % 997}`,
    payload: evaluationPayload(n),
  }));
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const compression = codec === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None;
  await producer.send({ topic, acks: -1, compression, messages: [{ key: 'warm', value: 'up' }] });
  const budget = sendBudget(DEFAULT_SEND_BUDGET_BYTES, codec);
  const cpu0 = process.cpuUsage();
  const main0 = mainThreadCpuMs();
  const elu0 = performance.eventLoopUtilization();
  const t0 = performance.now();
  for (let i = 0; i < rows.length; i += RELAY_BATCH) {
    const batch = rows
      .slice(i, i + RELAY_BATCH)
      .map((m) => ({ ...m, headers: { 'outbox-id': m.id } }));
    for (const send of splitIntoSends(batch, budget)) {
      await producer.sendBatch({
        acks: -1,
        compression,
        topicMessages: [
          {
            topic,
            messages: send.map((m) => ({
              key: m.key,
              value: m.payload,
              partition: m.partition,
              headers: m.headers,
            })),
          },
        ],
      });
    }
  }
  const wallMs = performance.now() - t0;
  const elu = performance.eventLoopUtilization(elu0);
  const mainMs = mainThreadCpuMs() - main0;
  const cpu = process.cpuUsage(cpu0);
  await producer.disconnect();
  const processMs = (cpu.user + cpu.system) / 1000;
  const payloadBytes = rows.reduce((s, m) => s + Buffer.byteLength(m.payload), 0);
  const onBroker = brokerBytes(topic);
  console.log(
    resultLine({
      codec: mode,
      round: round_,
      evaluations: N,
      payload_mb: round(payloadBytes / 1e6, 1),
      broker_mb: onBroker === null ? 'n/a' : round(onBroker / 1e6, 2),
      wall_ms: round(wallMs, 0),
      main_thread_cpu_ms: mainMs,
      main_thread_us_per_eval: round((mainMs * 1000) / N, 0),
      process_cpu_ms: round(processMs, 0),
      process_us_per_eval: round((processMs * 1000) / N, 0),
      elu: round(elu.utilization, 2),
    }),
  );
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.disconnect();
}

async function main(): Promise<void> {
  process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';
  registerKafkaCodecs();
  serviceGzip = CompressionCodecs[CompressionTypes.GZIP];
  const kafka = new Kafka({
    clientId: 'bench-outbox-compression',
    brokers: BROKERS.split(','),
    logLevel: logLevel.WARN,
  });
  for (let r = 1; r <= ROUNDS; r++) {
    await run(kafka, 'none', r);
    await run(kafka, 'gzip', r);
    await run(kafka, 'gzip-6', r);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
