import { DataSource } from 'typeorm';
import { dataSourceOptions } from '@risk/persistence';

import { databaseUrlFor, dropDatabase, uniqueTag } from './support/harness';

/**
 * PostgreSQL over TLS is asked for through DATABASE_URL's `sslmode` (and `sslrootcert`,
 * `sslcert`, `sslkey` file paths), which node-postgres reads from the URL under TypeORM. The
 * shared test server has no TLS: a URL that requires it must be refused by the driver, which
 * proves the setting reaches it; `sslmode=disable` connects.
 */
describe('DATABASE_URL sslmode', () => {
  const url = databaseUrlFor(uniqueTag('dbtls'));
  const withMode = (mode: string) => {
    const u = new URL(url);
    u.pathname = '/postgres';
    u.searchParams.set('sslmode', mode);
    return u.toString();
  };

  afterAll(() => dropDatabase(url));

  it.each(['require', 'verify-full'])('sslmode=%s insists on TLS', async (mode) => {
    const ds = new DataSource(dataSourceOptions(withMode(mode)));
    await expect(ds.initialize()).rejects.toThrow(/does not support SSL/);
  });

  it('sslmode=disable connects in plain text', async () => {
    const ds = await new DataSource(dataSourceOptions(withMode('disable'))).initialize();
    try {
      const [row] = await ds.query<{ ssl: boolean }[]>(
        'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()',
      );
      expect(row.ssl).toBe(false);
    } finally {
      await ds.destroy();
    }
  });
});
