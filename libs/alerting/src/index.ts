export * from './delivery-worker';
export * from './retry-policy';
export * from './signing';
export * from './ssrf-guard';
export * from './stream-position';
export * from './webhook-sender';
export * from './webhook.repository';
export * from './secret-box';
