/**
 * Build-time only: the ONNX graph builder and model folders (also the fixtures of the runtime's
 * specs). TensorFlow.js training is imported by path (`@risk/reasoning-tools/training/...`) so a
 * spec or a script that only builds graphs never loads it. Run-time code must not import this.
 */
export * from './graph';
