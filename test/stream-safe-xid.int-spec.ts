import { Client } from 'pg';
import { STREAM_START } from '@risk/alerting';
import { openDatabase } from '@risk/persistence';
import type { DataSource } from 'typeorm';
import { StreamEventsRepository } from '../apps/api/src/stream/stream-events.repository';
import { insertAlerts } from './support/risk-rows';
import { useTestEnvironment } from './support/running-service';

/** An open transaction that has taken a transaction id, in the database of `url`. */
async function openTransaction(url: string): Promise<Client> {
  const c = new Client({ connectionString: url });
  await c.connect();
  await c.query('BEGIN');
  await c.query('SELECT pg_current_xact_id()');
  return c;
}

/**
 * The stream (and the webhook scanner, which shares the condition) waits only for transactions
 * of its own database: a long transaction elsewhere on the server does not hold it back.
 */
describe('stream cut-off', () => {
  const env = useTestEnvironment('streamsafexid', { kafka: false });
  const url = env.config().databaseUrl;
  let ds: DataSource;
  const held: Client[] = [];

  beforeAll(async () => {
    ds = await openDatabase(url);
  });
  env.cleanup(async () => {
    for (const c of held) await c.end();
    await ds.destroy();
  });

  it('ignores transactions of other databases and still waits for its own', async () => {
    const repo = new StreamEventsRepository(ds);
    const elsewhere = new URL(url);
    elsewhere.pathname = '/postgres';
    held.push(await openTransaction(elsewhere.toString()));
    const [first] = await insertAlerts(url, [{ portfolioId: 'pf-x', level: 'HIGH' }]);
    const read = await repo.readAfter(STREAM_START, null, 100);
    expect(read.items.map((i) => i.kind)).toEqual(['evaluation', 'alert']);
    expect(read.items[0].data.id).toBe(first.evaluationId);

    // A transaction of this database that is still open holds back what commits after it.
    const mine = await openTransaction(url);
    held.push(mine);
    await insertAlerts(url, [{ portfolioId: 'pf-x', level: 'HIGH' }]);
    const after = await repo.readAfter(read.items[1].position, null, 100);
    expect(after.items).toEqual([]);
    await mine.query('COMMIT');
    const released = await repo.readAfter(read.items[1].position, null, 100);
    expect(released.items).toHaveLength(2);
  });
});
