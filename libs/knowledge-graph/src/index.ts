export * from './graph-types';
export * from './knowledge-graph';
export * from './entity-linker';
export * from './factor-map';
export * from './describe-path';
export * from './names';
export * from './relation-step';
export * from './fuzzy-linker';
