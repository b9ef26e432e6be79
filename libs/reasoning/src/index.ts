export * from './risk-reasoner';
export * from './context';
