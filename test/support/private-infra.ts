import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { createServer } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
/* eslint-disable no-restricted-imports -- the repository's own infra scripts start these */
import {
  CLUSTER_ID,
  MAIN_CLASS,
  brokerPaths,
  ensureKafkaJars,
  javaCommand,
  jvmArgs,
  waitForBroker,
} from '../../scripts/infra/kafka-broker';
import { postgresAnswers } from '../../scripts/infra/postgres';
/* eslint-enable no-restricted-imports */

/** A port nobody listens on right now (the OS picks it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

/**
 * A Kafka broker of a test's own (never the shared one): the repository's jars, a copy of
 * infra/kafka/server.properties on two free ports and a temporary data folder, so a test may
 * stop and start it at will.
 */
export class PrivateBroker {
  private child?: ChildProcess;
  private constructor(
    readonly dir: string,
    readonly port: number,
    private readonly properties: string,
  ) {}

  get brokers(): string {
    return `127.0.0.1:${this.port}`;
  }

  static async create(): Promise<PrivateBroker> {
    ensureKafkaJars((line) => process.stderr.write(`${line}\n`));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'risk-broker-'));
    const port = await freePort();
    const controller = await freePort();
    const props = fs
      .readFileSync(brokerPaths.serverProperties, 'utf8')
      .replace(/127\.0\.0\.1:9093/g, `127.0.0.1:${controller}`)
      .replace(/127\.0\.0\.1:9092/g, `127.0.0.1:${port}`)
      .replace(/^log\.dirs=.*$/m, `log.dirs=${path.join(dir, 'data')}`);
    const properties = path.join(dir, 'server.properties');
    fs.writeFileSync(properties, props);
    const format = spawnSync(
      javaCommand(),
      [
        ...jvmArgs().map((a) => a.replace(/^-Dkafka\.logs\.dir=.*/, `-Dkafka.logs.dir=${dir}`)),
        'kafka.tools.StorageTool',
        'format',
        '--cluster-id',
        CLUSTER_ID,
        '--config',
        properties,
      ],
      { encoding: 'utf8' },
    );
    if (format.status !== 0) throw new Error(`kafka storage format: ${format.stderr}`);
    return new PrivateBroker(dir, port, properties);
  }

  /** Starts the broker and waits until it answers. */
  async start(timeoutMs = 90_000): Promise<void> {
    const out = fs.openSync(path.join(this.dir, 'kafka.out'), 'a');
    const args = jvmArgs()
      .map((a) => a.replace(/^-Dkafka\.logs\.dir=.*/, `-Dkafka.logs.dir=${this.dir}`))
      .map((a) => (a === '-Xmx1G' ? '-Xmx512m' : a));
    this.child = spawn(javaCommand(), [...args, MAIN_CLASS, this.properties], {
      stdio: ['ignore', out, out],
    });
    fs.closeSync(out);
    await waitForBroker([this.brokers], timeoutMs);
  }

  /** Stops the broker: SIGTERM (a controlled shutdown) or SIGKILL (a crash). */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
  }

  async destroy(): Promise<void> {
    await this.stop('SIGKILL');
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Debian installs PostgreSQL's server binaries under /usr/lib/postgresql/<version>/bin. */
function postgresBin(name: string): string {
  const root = '/usr/lib/postgresql';
  const version = fs
    .readdirSync(root)
    .filter((v) => fs.existsSync(path.join(root, v, 'bin', name)))
    .sort((a, b) => Number(b) - Number(a))[0];
  if (version === undefined) throw new Error(`no ${name} under ${root}/*/bin`);
  return path.join(root, version, 'bin', name);
}

/** PostgreSQL refuses to run as root: as root, run its tools as the postgres user. */
function asPostgres(command: string, args: string[]): { cmd: string; args: string[] } {
  return process.getuid?.() === 0
    ? { cmd: 'runuser', args: ['-u', 'postgres', '--', command, ...args] }
    : { cmd: command, args };
}

function runPg(command: string, args: string[], what: string): void {
  const c = asPostgres(command, args);
  const r = spawnSync(c.cmd, c.args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${what} failed: ${r.stdout}${r.stderr}`);
}

/**
 * A PostgreSQL cluster of a test's own (never the shared one): initdb into a temporary folder,
 * trust authentication, a free port on loopback, so a test may stop and start it at will.
 */
export class PrivatePostgres {
  private constructor(
    readonly dir: string,
    readonly port: number,
  ) {}

  url(database = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  static async create(): Promise<PrivatePostgres> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'risk-pg-'));
    fs.chmodSync(dir, 0o777);
    if (process.getuid?.() === 0) spawnSync('chown', ['postgres', dir]);
    runPg(
      postgresBin('initdb'),
      ['-D', path.join(dir, 'data'), '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync'],
      'initdb',
    );
    return new PrivatePostgres(dir, await freePort());
  }

  async start(timeoutMs = 60_000): Promise<void> {
    runPg(
      postgresBin('pg_ctl'),
      [
        '-D',
        path.join(this.dir, 'data'),
        '-l',
        path.join(this.dir, 'postgres.log'),
        '-o',
        `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
        '-w',
        'start',
      ],
      'pg_ctl start',
    );
    const deadline = Date.now() + timeoutMs;
    while (!(await postgresAnswers(this.url()))) {
      if (Date.now() > deadline) throw new Error('the private PostgreSQL did not answer');
      await sleep(200);
    }
  }

  /** `immediate` is a crash (no checkpoint), `fast` a clean stop; both end every session. */
  stop(mode: 'fast' | 'immediate' = 'fast'): void {
    runPg(
      postgresBin('pg_ctl'),
      ['-D', path.join(this.dir, 'data'), '-m', mode, '-w', 'stop'],
      'pg_ctl stop',
    );
  }

  destroy(): void {
    try {
      this.stop('immediate');
    } catch {
      // already stopped
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * Produces with librdkafka's kcat, not kafkajs: one message per line, key and value split by a
 * tab, with the Java client's partitioner so keys land where a Java producer puts them.
 */
export function kcatProduce(
  brokers: string,
  topic: string,
  messages: readonly { key: string; value: string }[],
  extra: string[] = [],
): void {
  const input = messages.map((m) => `${m.key}\t${m.value}`).join('\n') + '\n';
  const r = spawnSync(
    'kcat',
    [
      '-P',
      '-b',
      brokers,
      '-t',
      topic,
      '-K',
      '\t',
      '-X',
      'partitioner=murmur2_random',
      '-X',
      'message.max.bytes=10000000',
      ...extra,
    ],
    { input, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  if (r.error) throw new Error(`cannot run kcat: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`kcat failed: ${r.stderr}`);
}
