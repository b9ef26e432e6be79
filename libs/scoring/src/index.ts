export * from './evaluate-portfolio';
export * from './reasoning-steps';
export * from './merge';
export * from './merge-metadata';
export * from './distance-to-limit';
export * from './exposure';
export * from './trees';
