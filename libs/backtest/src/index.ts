export * from './daily-record';
export * from './daily-close';
export * from './coverage-tests';
export * from './traffic-light';
export * from './es-backtest';
export * from './var-backtest';
export * from './replay-closes';
export * from './model-quality';
