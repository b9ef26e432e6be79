export * from './patterns';
export * from './topics';
export * from './input-messages';
export * from './decode-message';
export * from './dead-letter';
export * from './evaluation';
export * from './malformed-fixtures';
export * from './decode-tick-fast';
