export * from './entities';
export * from './database';
export * from './risk-store';
export * from './outbox.repository';
export * from './read-models';
export * from './retention';
export * from './retention-job';
export * from './outbox-batches';
