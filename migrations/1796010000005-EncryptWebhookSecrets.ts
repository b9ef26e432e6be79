import type { MigrationInterface, QueryRunner } from 'typeorm';
import {
  decryptSecret,
  encryptSecret,
  isEncryptedSecret,
  secretKeyFromEnv,
} from '@risk/alerting/secret-box';

/**
 * Webhook signing secrets at rest under AES-256-GCM (libs/alerting/src/secret-box.ts): every
 * plain-text row is encrypted with WEBHOOK_SECRET_KEY (the public demo key when unset), bound to
 * its subscription id. `down` decrypts them again. Migrations run before any config object
 * exists, so the key is read from the environment.
 */
export class EncryptWebhookSecrets1796010000005 implements MigrationInterface {
  name = 'EncryptWebhookSecrets1796010000005';

  public async up(queryRunner: QueryRunner): Promise<void> {
    const key = secretKeyFromEnv();
    const rows = (await queryRunner.query(
      `SELECT id, secret FROM "webhook_subscriptions" FOR UPDATE`,
    )) as { id: string; secret: string }[];
    for (const r of rows)
      if (!isEncryptedSecret(r.secret))
        await queryRunner.query(`UPDATE "webhook_subscriptions" SET secret = $2 WHERE id = $1`, [
          r.id,
          encryptSecret(key, r.secret, r.id),
        ]);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    const key = secretKeyFromEnv();
    const rows = (await queryRunner.query(
      `SELECT id, secret FROM "webhook_subscriptions" FOR UPDATE`,
    )) as { id: string; secret: string }[];
    for (const r of rows)
      if (isEncryptedSecret(r.secret))
        await queryRunner.query(`UPDATE "webhook_subscriptions" SET secret = $2 WHERE id = $1`, [
          r.id,
          decryptSecret(key, r.secret, r.id),
        ]);
  }
}
