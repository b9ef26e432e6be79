import { readReasoningConfig, ReasoningConfigError } from './reasoning.config';

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
