/**
 * `npm run infra:up` / `npm run infra:down`: the local Kafka broker, its topics and PostgreSQL.
 * Both are idempotent. See docs/infrastructure.md.
 */
import {
  brokerAnswers,
  brokerPaths,
  ensureKafkaJars,
  formatStorage,
  runningBrokerPid,
  startBroker,
  stopBroker,
  waitForBroker,
  withBrokerLock,
} from './kafka-broker';
import { encoderFiles, ensureNewsEncoder } from '@risk/news-understanding/encoder-artifact';
import { databaseUrlFromEnv, ensurePostgres } from './postgres';
import {
  brokersFromEnv,
  ensureReferenceTopics,
  ensureTopics,
  isLocalDefaultBroker,
  partitionsFromEnv,
  projectReferenceTopics,
  projectTopics,
} from './topics';

const log = (line: string): void => console.log(`[infra] ${line}`);
const seconds = (since: number): string => `${((Date.now() - since) / 1000).toFixed(1)} s`;

async function up(): Promise<void> {
  const started = Date.now();
  const brokers = brokersFromEnv();
  const partitions = partitionsFromEnv();

  await ensurePostgres(databaseUrlFromEnv(), log);
  // The news encoder (Maven Central, pinned and checksummed): the service and tests read it offline.
  ensureNewsEncoder(encoderFiles(brokerPaths.root), log);

  if (!isLocalDefaultBroker(brokers)) {
    log(`KAFKA_BROKERS=${brokers.join(',')}: using that cluster, no local broker`);
    await waitForBroker(brokers, 30000);
  } else {
    const pid = runningBrokerPid();
    if (pid !== undefined) {
      log(`Kafka broker already running (pid ${pid})`);
      await waitForBroker(brokers, 120000, pid);
    } else if (await brokerAnswers(brokers)) {
      log(`a Kafka broker not started by infra:up already answers on ${brokers.join(',')}`);
    } else {
      ensureKafkaJars(log);
      formatStorage();
      const newPid = startBroker();
      log(`starting Kafka 3.9.1 (KRaft) on ${brokers.join(',')}, pid ${newPid}...`);
      const boot = Date.now();
      await waitForBroker(brokers, 120000, newPid);
      log(`Kafka answers (${seconds(boot)}); logs in .cache/kafka/logs`);
    }
  }

  const topics = projectTopics();
  const { created } = await ensureTopics(brokers, topics, partitions);
  const referenceTopics = projectReferenceTopics();
  const reference = await ensureReferenceTopics(brokers, referenceTopics, partitions);
  if (reference.created.length > 0) {
    log(`created compacted topics ${reference.created.join(', ')} (${partitions} partitions)`);
  }
  log(
    created.length > 0
      ? `created topics ${created.join(', ')} (${partitions} partitions)`
      : `topics present: ${topics.join(', ')}`,
  );
  log(`up in ${seconds(started)}`);
}

async function down(): Promise<void> {
  const pid = runningBrokerPid();
  if (pid === undefined) {
    log('no local Kafka broker running');
    return;
  }
  const started = Date.now();
  log(`stopping Kafka broker (pid ${pid})...`);
  await stopBroker(pid, 60000, log);
  log(`stopped (${seconds(started)})`);
}

const commands: Record<string, () => Promise<void>> = {
  up: () => withBrokerLock(log, up),
  down: () => withBrokerLock(log, down),
};

async function main(command: string | undefined): Promise<void> {
  const run =
    command !== undefined && Object.hasOwn(commands, command) ? commands[command] : undefined;
  if (run === undefined) throw new Error('usage: infra.ts up|down');
  await run();
}

main(process.argv[2]).then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`[infra] ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
