import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { createServer } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
// eslint-disable-next-line no-restricted-imports
import { brokerPaths, ensureKafkaJars } from '../../scripts/infra/kafka-broker';

/** A user known to every SASL mechanism of the secure broker. */
export const SECURE_USER = { username: 'risk-test', password: 'risk-test-secret-1' };

export interface SecureBroker {
  /** SASL_SSL listener, `127.0.0.1:port`. */
  brokers: string;
  /** PEM of the self-signed certificate authority that signed the broker's certificate. */
  caFile: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

function run(cmd: string, args: string[], what: string): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0)
    throw new Error(
      `${what} failed (${String(r.status)}): ${`${r.stdout}${r.stderr}`.slice(-2000)}`,
    );
}

/**
 * A second, throw-away single-node KRaft broker in a temp dir with one SASL_SSL listener (PLAIN,
 * SCRAM-SHA-256 and SCRAM-SHA-512 for SECURE_USER; SCRAM credentials written at format time) and
 * a certificate from a CA made here. Same jars as `npm run infra:up` (fetched from Maven Central
 * if missing). The shared broker is never touched.
 */
export async function startSecureBroker(): Promise<SecureBroker> {
  ensureKafkaJars(() => undefined);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'risk-sasl-ssl-'));
  const [saslPort, internalPort, controllerPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const f = (name: string) => path.join(dir, name);
  // A CA, and a broker certificate for 127.0.0.1 signed by it.
  run(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=risk-test-ca',
      '-keyout',
      f('ca.key'),
      '-out',
      f('ca.pem'),
    ],
    'openssl CA',
  );
  run(
    'openssl',
    [
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-subj',
      '/CN=127.0.0.1',
      '-keyout',
      f('broker.key'),
      '-out',
      f('broker.csr'),
    ],
    'openssl CSR',
  );
  fs.writeFileSync(f('ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  run(
    'openssl',
    [
      'x509',
      '-req',
      '-in',
      f('broker.csr'),
      '-CA',
      f('ca.pem'),
      '-CAkey',
      f('ca.key'),
      '-CAcreateserial',
      '-days',
      '2',
      '-extfile',
      f('ext.cnf'),
      '-out',
      f('broker.crt'),
    ],
    'openssl sign',
  );
  // Kafka's PEM key store: an unencrypted PKCS#8 key followed by the certificate chain.
  run(
    'openssl',
    ['pkcs8', '-topk8', '-nocrypt', '-in', f('broker.key'), '-out', f('broker.pk8')],
    'pkcs8',
  );
  fs.writeFileSync(
    f('keystore.pem'),
    fs.readFileSync(f('broker.pk8'), 'utf8') + fs.readFileSync(f('broker.crt'), 'utf8'),
  );
  const { username, password } = SECURE_USER;
  const scram = 'org.apache.kafka.common.security.scram.ScramLoginModule required;';
  fs.writeFileSync(
    f('server.properties'),
    [
      'process.roles=broker,controller',
      'node.id=1',
      `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
      `listeners=SASL_SSL://127.0.0.1:${saslPort},INTERNAL://127.0.0.1:${internalPort},CONTROLLER://127.0.0.1:${controllerPort}`,
      `advertised.listeners=SASL_SSL://127.0.0.1:${saslPort},INTERNAL://127.0.0.1:${internalPort}`,
      'listener.security.protocol.map=SASL_SSL:SASL_SSL,INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT',
      'inter.broker.listener.name=INTERNAL',
      'controller.listener.names=CONTROLLER',
      'sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512',
      `listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_${username}="${password}";`,
      `listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=${scram}`,
      `listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=${scram}`,
      'ssl.keystore.type=PEM',
      `ssl.keystore.location=${f('keystore.pem')}`,
      `log.dirs=${f('data')}`,
      'auto.create.topics.enable=false',
      'offsets.topic.replication.factor=1',
      'offsets.topic.num.partitions=1',
      'transaction.state.log.replication.factor=1',
      'transaction.state.log.min.isr=1',
      'group.initial.rebalance.delay.ms=0',
      'num.network.threads=1',
      'num.io.threads=2',
      '',
    ].join('\n'),
  );
  const jvm = [
    '-Xms128m',
    '-Xmx384m',
    `-Dlog4j.configuration=file:${brokerPaths.log4jProperties}`,
    `-Dkafka.logs.dir=${f('logs')}`,
    '-cp',
    `${brokerPaths.libs}/*`,
  ];
  run(
    'java',
    [
      ...jvm,
      'kafka.tools.StorageTool',
      'format',
      '--cluster-id',
      'c2VjdXJlLWJyb2tlci10ZXN0',
      '--config',
      f('server.properties'),
      '--add-scram',
      `SCRAM-SHA-256=[name=${username},password=${password}]`,
      '--add-scram',
      `SCRAM-SHA-512=[name=${username},password=${password}]`,
    ],
    'kafka storage format',
  );
  const child: ChildProcess = spawn('java', [...jvm, 'kafka.Kafka', f('server.properties')], {
    stdio: 'ignore',
  });
  return {
    brokers: `127.0.0.1:${saslPort}`,
    caFile: f('ca.pem'),
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(timer);
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
