export * from './context-layout';
export * from './reasoner-format';
export * from './log-rebuild';
