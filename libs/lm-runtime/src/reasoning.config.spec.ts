import { readReasoningConfig, ReasoningConfigError } from './reasoning.config';
import { kvOnDeviceFor } from './runtime/onnx-decoder.session';

describe('readReasoningConfig', () => {
  it('reads the provider list and limits', () => {
    const c = readReasoningConfig({
      REASONING_EP: 'CUDA, cpu',
      REASONING_THREADS: '2',
      REASONING_KV_BUDGET_MB: '64',
    });
    expect(c.session).toEqual({
      executionProviders: ['cuda', 'cpu'],
      graphOptimizationLevel: 'all',
      intraOpNumThreads: 2,
    });
    expect(c.budgetBytes).toBe(64 * 1024 * 1024);
  });

  it('defaults to CPU', () => {
    expect(readReasoningConfig({}).session.executionProviders).toEqual(['cpu']);
  });

  it('reads the priority policy of the step scheduler: strict with aging by default', () => {
    expect(readReasoningConfig({})).toMatchObject({ strictPriority: true, priorityAgingSteps: 64 });
    expect(
      readReasoningConfig({ REASONING_PRIORITY_FILL: 'true', REASONING_PRIORITY_AGING_STEPS: '8' }),
    ).toMatchObject({ strictPriority: false, priorityAgingSteps: 8 });
    expect(() => readReasoningConfig({ REASONING_PRIORITY_FILL: 'yes' })).toThrow(
      ReasoningConfigError,
    );
  });

  it('fails fast on a bad value', () => {
    expect(() => readReasoningConfig({ REASONING_MAX_BATCH: '0' })).toThrow(ReasoningConfigError);
    expect(() => readReasoningConfig({ REASONING_GRAPH_OPT: 'max' })).toThrow(ReasoningConfigError);
  });
});

describe('REASONING_KV_ON_DEVICE', () => {
  it('is auto by default (absent from the session options), true/false force it', () => {
    expect(readReasoningConfig({}).session.kvOnDevice).toBeUndefined();
    expect(readReasoningConfig({ REASONING_KV_ON_DEVICE: 'auto' }).session.kvOnDevice).toBe(
      undefined,
    );
    expect(readReasoningConfig({ REASONING_KV_ON_DEVICE: 'true' }).session.kvOnDevice).toBe(true);
    expect(readReasoningConfig({ REASONING_KV_ON_DEVICE: 'false' }).session.kvOnDevice).toBe(false);
    expect(() => readReasoningConfig({ REASONING_KV_ON_DEVICE: 'gpu' })).toThrow(
      ReasoningConfigError,
    );
  });

  it('auto turns the path on for any provider but cpu', () => {
    expect(kvOnDeviceFor(undefined, 'cpu')).toBe(false);
    expect(kvOnDeviceFor('auto', 'cuda')).toBe(true);
    expect(kvOnDeviceFor(true, 'cpu')).toBe(true);
    expect(kvOnDeviceFor(false, 'cuda')).toBe(false);
  });
});
