import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** An API key: only the SHA-256 of the key is stored; the key itself is shown once. */
@Entity({ name: 'api_keys' })
export class ApiKeyEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ type: 'text', nullable: true })
  name!: string | null;

  /** `viewer` reads; `admin` also manages webhooks. */
  @Column({ type: 'text' })
  role!: string;

  /** Hex SHA-256 of the key (a 256-bit random secret, so no slow hash is needed). */
  @Column({ name: 'key_hash', type: 'text', unique: true })
  keyHash!: string;

  /** The key's first characters, so a person can tell keys apart in `keys list`. */
  @Column({ name: 'key_prefix', type: 'text' })
  keyPrefix!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;
}
