export * from './app-config';
export * from './kafka';
export * from './metrics';
export * from './clock';
export * from './errors';
export * from './platform.module';
export * from './async-mutex';
export * from './partitioner';
