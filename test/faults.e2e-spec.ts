import {
  brokerRestartScenario,
  failedMarkScenario,
  largeOutputScenario,
  postgresRestartScenario,
  sigkillScenario,
  twoInstancesScenario,
  type FaultOutcome,
} from './support/fault-scenarios';

/**
 * Faults a desk meets, against the real broker and PostgreSQL, with librdkafka's kcat as the
 * producer: after each, nothing is lost or duplicated (in PostgreSQL and on Kafka), the
 * consumers go on, and the service is ready again by itself. The broker and PostgreSQL restarts
 * use a broker and a cluster of their own; the failed markPublished runs the engine in this
 * process, its outbox store wrapped (outbox-relay.int-spec.ts has the relay-level cases).
 */
describe('faults', () => {
  jest.setTimeout(300_000);

  const clean = (o: FaultOutcome) => {
    process.stderr.write(`${JSON.stringify(o)}\n`);
    expect({
      name: o.name,
      lost: o.lost,
      duplicated: o.duplicated,
      oversized: o.oversized,
    }).toEqual({ name: o.name, lost: 0, duplicated: 0, oversized: 0 });
  };

  it('SIGKILL of the engine mid-stream', async () => {
    clean(await sigkillScenario());
  });

  it('a broker stop and start mid-stream', async () => {
    const o = await brokerRestartScenario();
    clean(o);
    expect(o.recoveryS).toBeDefined();
  });

  it('a PostgreSQL stop and start mid-stream', async () => {
    const o = await postgresRestartScenario();
    clean(o);
    expect(o.recoveryS).toBeDefined();
  });

  it('failed markPublished after the send', async () => {
    const o = await failedMarkScenario();
    clean(o);
    expect(o.marksFailed).toBeGreaterThan(0);
  });

  it('two engine instances with interleaved commits and a relay hand-over', async () => {
    clean(await twoInstancesScenario());
  });

  it('outputs over 1 MiB: a 5,000- and a 20,000-position snapshot', async () => {
    clean(await largeOutputScenario());
  });
});
