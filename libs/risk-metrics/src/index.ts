export * from './config';
export * from './format';
export * from './instrument-book';
export * from './holdings-index';
export * from './portfolio-metrics';
export * from './limits';
export * from './rule-score';
export * from './explain';
