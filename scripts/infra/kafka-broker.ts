import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';

const ROOT = path.resolve(__dirname, '..', '..');
const INFRA_DIR = path.join(ROOT, 'infra', 'kafka');
const CACHE_DIR = path.join(ROOT, '.cache', 'kafka');

export const brokerPaths = {
  root: ROOT,
  pom: path.join(INFRA_DIR, 'pom.xml'),
  serverProperties: path.join(INFRA_DIR, 'server.properties'),
  log4jProperties: path.join(INFRA_DIR, 'log4j.properties'),
  libs: path.join(CACHE_DIR, 'libs'),
  libsStamp: path.join(CACHE_DIR, 'libs.sha256'),
  data: path.join(CACHE_DIR, 'data'),
  logs: path.join(CACHE_DIR, 'logs'),
  stdout: path.join(CACHE_DIR, 'logs', 'kafka.out'),
  pidFile: path.join(CACHE_DIR, 'kafka.pid'),
  lockFile: path.join(CACHE_DIR, 'infra.lock'),
};

/** Fixed so that `format --ignore-formatted` is idempotent across runs (base64url, 16 bytes). */
export const CLUSTER_ID = 'cmlzay1zZXJ2aWNlLWRldg';
const KAFKA_JAR = 'kafka_2.13-3.9.1.jar';
export const MAIN_CLASS = 'kafka.Kafka';

type Log = (line: string) => void;

function sha256(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

function run(command: string, args: string[], what: string): void {
  const result = spawnSync(command, args, { cwd: ROOT, encoding: 'utf8' });
  if (result.error) throw new Error(`${what}: cannot run ${command}: ${result.error.message}`);
  if (result.status !== 0) {
    const output = `${result.stdout}${result.stderr}`.trim().split('\n').slice(-30).join('\n');
    throw new Error(`${what} failed (exit ${String(result.status)}):\n${output}`);
  }
}

export function javaCommand(): string {
  const home = process.env.JAVA_HOME;
  return home ? path.join(home, 'bin', 'java') : 'java';
}

/** Downloads the broker jars with Maven once; again only when infra/kafka/pom.xml changes. */
export function ensureKafkaJars(log: Log): void {
  const pomHash = sha256(brokerPaths.pom);
  const stamp = fs.existsSync(brokerPaths.libsStamp)
    ? fs.readFileSync(brokerPaths.libsStamp, 'utf8').trim()
    : '';
  if (stamp === pomHash && fs.existsSync(path.join(brokerPaths.libs, KAFKA_JAR))) return;
  log('fetching Apache Kafka 3.9.1 jars from Maven Central (first run: a minute or two)...');
  const started = Date.now();
  // A stale folder could keep jars of other versions on the wildcard classpath.
  fs.rmSync(brokerPaths.libs, { recursive: true, force: true });
  fs.rmSync(brokerPaths.libsStamp, { force: true });
  run(
    'mvn',
    ['-q', '-B', '-f', brokerPaths.pom, 'dependency:copy-dependencies'],
    'mvn dependency:copy-dependencies',
  );
  if (!fs.existsSync(path.join(brokerPaths.libs, KAFKA_JAR))) {
    throw new Error(`Maven finished but ${KAFKA_JAR} is not in ${brokerPaths.libs}`);
  }
  fs.writeFileSync(brokerPaths.libsStamp, `${pomHash}\n`);
  const count = fs.readdirSync(brokerPaths.libs).filter((file) => file.endsWith('.jar')).length;
  log(`${count} jars in .cache/kafka/libs (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

export function jvmArgs(): string[] {
  const heap = (process.env.KAFKA_HEAP_OPTS ?? '-Xms256m -Xmx1G').split(/\s+/).filter(Boolean);
  return [
    ...heap,
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    '-XX:+ExitOnOutOfMemoryError',
    '-Djava.awt.headless=true',
    `-Dlog4j.configuration=file:${brokerPaths.log4jProperties}`,
    `-Dkafka.logs.dir=${brokerPaths.logs}`,
    '-cp',
    `${brokerPaths.libs}/*`,
  ];
}

/** `--ignore-formatted` makes this a no-op once the data folder holds meta.properties. */
export function formatStorage(): void {
  fs.mkdirSync(brokerPaths.logs, { recursive: true });
  run(
    javaCommand(),
    [
      ...jvmArgs(),
      'kafka.tools.StorageTool',
      'format',
      '--cluster-id',
      CLUSTER_ID,
      '--config',
      brokerPaths.serverProperties,
      '--ignore-formatted',
    ],
    'kafka storage format (if the cluster id differs, delete .cache/kafka/data)',
  );
}

function readPid(): number | undefined {
  if (!fs.existsSync(brokerPaths.pidFile)) return undefined;
  const pid = Number(fs.readFileSync(brokerPaths.pidFile, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** Alive and still our broker (not a recycled pid). */
function isOurBroker(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.includes(MAIN_CLASS) && cmdline.includes(brokerPaths.serverProperties);
  } catch {
    return true; // no /proc (macOS): trust the pid file
  }
}

export function runningBrokerPid(): number | undefined {
  const pid = readPid();
  if (pid !== undefined && isOurBroker(pid)) return pid;
  if (pid !== undefined) fs.rmSync(brokerPaths.pidFile, { force: true });
  return undefined;
}

/** Starts the broker in its own session so it outlives the npm command that started it. */
export function startBroker(): number {
  fs.mkdirSync(brokerPaths.logs, { recursive: true });
  const out = fs.openSync(brokerPaths.stdout, 'a');
  const child = spawn(javaCommand(), [...jvmArgs(), MAIN_CLASS, brokerPaths.serverProperties], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', out, out],
  });
  fs.closeSync(out);
  if (child.pid === undefined) throw new Error('could not start java');
  child.unref();
  fs.writeFileSync(brokerPaths.pidFile, `${child.pid}\n`);
  return child.pid;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function tail(file: string, lines: number): string {
  if (!fs.existsSync(file)) return '';
  return fs.readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join('\n');
}

export function brokerLogTail(lines = 20): string {
  return [tail(brokerPaths.stdout, lines), tail(path.join(brokerPaths.logs, 'server.log'), lines)]
    .filter(Boolean)
    .join('\n');
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The live pid holding the lock, or why there is none ('unknown': being written right now). */
function lockHolder(): number | 'gone' | 'stale' | 'unknown' {
  let content: string;
  let ageMs: number;
  try {
    content = fs.readFileSync(brokerPaths.lockFile, 'utf8').trim();
    ageMs = Date.now() - fs.statSync(brokerPaths.lockFile).mtimeMs;
  } catch {
    return 'gone';
  }
  const pid = Number(content);
  if (!Number.isInteger(pid) || pid <= 0) return ageMs > 5000 ? 'stale' : 'unknown';
  return processAlive(pid) ? pid : 'stale';
}

/**
 * Serialises concurrent `infra:up`/`infra:down` runs (several terminals or test runners): two
 * starters would otherwise both launch a JVM and overwrite each other's pid file. A lock left by
 * a dead process is taken over.
 */
export async function withBrokerLock<T>(
  log: Log,
  action: () => Promise<T>,
  timeoutMs = 300000,
): Promise<T> {
  fs.mkdirSync(path.dirname(brokerPaths.lockFile), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  let announced = false;
  for (;;) {
    try {
      fs.writeFileSync(brokerPaths.lockFile, `${process.pid}\n`, { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = lockHolder();
    if (holder === 'gone') continue;
    if (holder === 'stale') {
      fs.rmSync(brokerPaths.lockFile, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new Error(`another infra command (pid ${String(holder)}) still holds the lock`);
    }
    if (!announced && holder !== 'unknown') {
      log(`waiting for another infra command (pid ${holder})...`);
      announced = true;
    }
    await sleep(200);
  }
  try {
    return await action();
  } finally {
    fs.rmSync(brokerPaths.lockFile, { force: true });
  }
}

/** True once a kafkajs admin client connects and the cluster reports at least one broker. */
export async function brokerAnswers(brokers: string[]): Promise<boolean> {
  const kafka = new Kafka({
    clientId: 'risk-infra-probe',
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1000,
    requestTimeout: 2000,
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length > 0;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Waits for the broker; fails early when the local broker process `pid` dies. */
export async function waitForBroker(
  brokers: string[],
  timeoutMs: number,
  pid?: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await brokerAnswers(brokers))) {
    if (pid !== undefined && !isOurBroker(pid)) {
      throw new Error(
        `the Kafka broker exited during startup; last log lines:\n${brokerLogTail()}`,
      );
    }
    if (Date.now() > deadline) {
      throw new Error(`Kafka at ${brokers.join(',')} did not answer within ${timeoutMs / 1000} s`);
    }
    await sleep(500);
  }
}

/** SIGTERM (controlled shutdown), then SIGKILL if it takes longer than `timeoutMs`. */
export async function stopBroker(pid: number, timeoutMs: number, log: Log): Promise<void> {
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + timeoutMs;
  while (isOurBroker(pid)) {
    if (Date.now() > deadline) {
      log(`broker ${pid} still running after ${timeoutMs / 1000} s, sending SIGKILL`);
      process.kill(pid, 'SIGKILL');
      await sleep(500);
      break;
    }
    await sleep(250);
  }
  fs.rmSync(brokerPaths.pidFile, { force: true });
}
