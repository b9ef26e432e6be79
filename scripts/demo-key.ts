import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ApiKeyRepository } from '../apps/api/src/auth/api-key.repository';

/** A fresh admin key for the demo (admin, so the person can also try the webhook routes). */
export async function demoApiKey(app: INestApplication): Promise<string | null> {
  const created = await new ApiKeyRepository(app.get(DataSource)).create('admin', 'demo');
  return created.key;
}
