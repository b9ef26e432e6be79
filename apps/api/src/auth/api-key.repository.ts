import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { generateApiKey, type ApiRole } from './api-keys';

export interface ApiKeyRecord {
  id: string;
  name: string | null;
  role: ApiRole;
  prefix: string;
  createdAt: string;
  revokedAt: string | null;
}

export interface StoredKey {
  id: string;
  role: ApiRole;
  hash: string;
  revoked: boolean;
}

/** API keys in PostgreSQL; the key itself is returned once, by `create`, and never stored. */
@Injectable()
export class ApiKeyRepository {
  constructor(@Inject(DataSource) private readonly ds: DataSource) {}

  async create(role: ApiRole, name: string | null = null): Promise<{ id: string; key: string }> {
    const id = randomUUID();
    const k = generateApiKey();
    await this.ds.query(
      'INSERT INTO api_keys (id, name, role, key_hash, key_prefix) VALUES ($1, $2, $3, $4, $5)',
      [id, name, role, k.hash, k.prefix],
    );
    return { id, key: k.key };
  }

  async revoke(id: string): Promise<boolean> {
    const res: [unknown[], number] = await this.ds.query(
      'UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL',
      [id],
    );
    return res[1] > 0;
  }

  async list(): Promise<ApiKeyRecord[]> {
    const rows: {
      id: string;
      name: string | null;
      role: ApiRole;
      key_prefix: string;
      created_at: Date;
      revoked_at: Date | null;
    }[] = await this.ds.query('SELECT * FROM api_keys ORDER BY created_at, id');
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      role: r.role,
      prefix: r.key_prefix,
      createdAt: r.created_at.toISOString(),
      revokedAt: r.revoked_at ? r.revoked_at.toISOString() : null,
    }));
  }

  async findByHash(hash: string): Promise<StoredKey | null> {
    const rows: { id: string; role: ApiRole; key_hash: string; revoked_at: Date | null }[] =
      await this.ds.query(
        'SELECT id, role, key_hash, revoked_at FROM api_keys WHERE key_hash = $1',
        [hash],
      );
    const r = rows[0];
    return r ? { id: r.id, role: r.role, hash: r.key_hash, revoked: r.revoked_at !== null } : null;
  }

  /** Of these key ids, those that exist and are not revoked (one query for every open stream). */
  async activeIds(ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows: { id: string }[] = await this.ds.query(
      'SELECT id FROM api_keys WHERE id = ANY ($1::uuid[]) AND revoked_at IS NULL',
      [ids],
    );
    return new Set(rows.map((r) => r.id));
  }
}
