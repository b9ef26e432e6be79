export * from './risk-reasoner';
