import { DataSource } from 'typeorm';
import {
  WebhookRepository,
  decryptSecret,
  isEncryptedSecret,
  newWebhookSecret,
  secretKeyFrom,
  secretKeyFromEnv,
} from '@risk/alerting';
import { dataSourceOptions, openDatabase } from '@risk/persistence';
import { query } from './support/harness';
import { useTestEnvironment } from './support/running-service';

/** Signing secrets are encrypted at rest, old plain-text rows included, and `down` undoes it. */
describe('webhook secrets at rest', () => {
  const cfg = useTestEnvironment('webhooksecrets', { kafka: false }).config();
  const url = cfg.databaseUrl;
  const secrets = () =>
    query<{ id: string; secret: string }>(url, 'SELECT id, secret FROM webhook_subscriptions');

  it('are stored encrypted by the repository and decrypt to what the caller was given', async () => {
    const ds = await openDatabase(url);
    try {
      const key = secretKeyFrom(cfg.webhookSecretKey);
      const created = await new WebhookRepository(ds, key).createSubscription({
        url: 'https://hooks.example/x',
        minLevel: 'HIGH',
        portfolioIds: null,
        createdBy: null,
      });
      const [row] = await secrets();
      expect(isEncryptedSecret(row.secret)).toBe(true);
      expect(row.secret).not.toContain(created.secret.slice(6));
      expect(decryptSecret(key, row.secret, created.id)).toBe(created.secret);
      await ds.query('DELETE FROM webhook_subscriptions');
    } finally {
      await ds.destroy();
    }
  });

  it('are encrypted by the migration when an older version stored them in clear', async () => {
    const ds = new DataSource(dataSourceOptions(url));
    await ds.initialize();
    try {
      await ds.undoLastMigration();
      const id = '00000000-0000-4000-8000-000000000001';
      const plain = newWebhookSecret();
      await ds.query(
        `INSERT INTO webhook_subscriptions (id, url, min_level, secret) VALUES ($1, 'https://h.example/', 'HIGH', $2)`,
        [id, plain],
      );
      await ds.runMigrations({ transaction: 'each' });
      const [row] = await secrets();
      expect(isEncryptedSecret(row.secret)).toBe(true);
      expect(decryptSecret(secretKeyFromEnv(), row.secret, id)).toBe(plain);
      await ds.undoLastMigration();
      expect(await secrets()).toEqual([{ id, secret: plain }]);
      await ds.runMigrations({ transaction: 'each' });
    } finally {
      await ds.destroy();
    }
  });
});
