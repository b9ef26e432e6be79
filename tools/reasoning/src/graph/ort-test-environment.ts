import NodeEnvironment from 'jest-environment-node';

/**
 * Jest runs specs in a separate V8 realm, so typed arrays made by onnxruntime-node's native
 * addon fail onnxruntime-common's `instanceof Float32Array` checks. Sharing the host realm's
 * typed-array constructors with the test realm fixes that. Use with
 * `@jest-environment <rootDir>/tools/reasoning/src/graph/ort-test-environment.ts`.
 */
export default class OrtTestEnvironment extends NodeEnvironment {
  constructor(...args: ConstructorParameters<typeof NodeEnvironment>) {
    super(...args);
    const shared = {
      Float32Array,
      Float64Array,
      Int8Array,
      Uint8Array,
      Int16Array,
      Uint16Array,
      Int32Array,
      Uint32Array,
      BigInt64Array,
      BigUint64Array,
    };
    Object.assign(this.global, shared);
  }
}
