import { Column, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/**
 * The latest `reference.relations` message per id. A weight of 0 is kept as a version (so an
 * older message cannot bring the edge back) and read as no edge; a tombstone deletes the row.
 */
@Entity({ name: 'relations' })
@Index('ix_relations_from', ['fromId'])
@Index('ix_relations_to', ['toId'])
export class RelationEntity {
  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ type: 'timestamptz' })
  ts!: Date;

  @Column({ name: 'from_id', type: 'text' })
  fromId!: string;

  @Column({ name: 'to_id', type: 'text' })
  toId!: string;

  @Column({ type: 'text' })
  kind!: string;

  @Column({ type: 'double precision' })
  weight!: number;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
