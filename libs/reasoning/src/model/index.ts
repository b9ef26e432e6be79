/**
 * The risk reasoner's task: corpus, prompt format, answer options, label rule, grounded figures
 * and evaluation metrics (pure). Training (TensorFlow.js), the reasoner's build config and ONNX
 * evaluation helpers live in tools/reasoning (`@risk/reasoning-tools/training/...`), so the
 * service never loads the training library.
 */
export * from './event-kinds';
export * from './judgement';
export * from './corpus';
export * from './grounding';
export * from './grounded-reasoning';
export * from './metrics';
export * from './lexicon-baseline';
