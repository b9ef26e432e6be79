export * from './consumer-health';
export * from './exit-on-consumer-failure';
export * from './probes.controller';
export * from './probes.module';
export * from './public-route';
export * from './time-box';
export * from './graceful-shutdown';
