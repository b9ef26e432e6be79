export * from './evaluate-portfolio';
