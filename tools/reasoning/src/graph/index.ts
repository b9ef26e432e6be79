export * from './decoder-config';
export * from './random-weights';
export * from './attention-mask';
export * from './decoder-graph';
export * from './reference-forward';
export * from './quantize';
export * from './tokenizer-json';
export * from './model-folder';
