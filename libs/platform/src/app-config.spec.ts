import { ConfigError, loadConfig, parseReasoningGate } from './app-config';

describe('REASONING_GATE', () => {
  it('runs the language model on news, large moves and level changes by default', () => {
    expect(loadConfig({}).reasoningGate).toEqual({ news: true, moves: true, levels: true });
  });

  it('takes a comma-separated subset, in any order, with spaces and repeats', () => {
    expect(loadConfig({ REASONING_GATE: 'moves' }).reasoningGate).toEqual({
      news: false,
      moves: true,
      levels: false,
    });
    expect(parseReasoningGate(' levels , News,levels')).toEqual({
      news: true,
      moves: false,
      levels: true,
    });
  });

  it('runs the language model on nothing when empty', () => {
    expect(loadConfig({ REASONING_GATE: '' }).reasoningGate).toEqual({
      news: false,
      moves: false,
      levels: false,
    });
  });

  it('rejects an unknown word, naming the setting', () => {
    expect(() => parseReasoningGate('news,ticks')).toThrow(ConfigError);
    expect(() => parseReasoningGate('news,ticks')).toThrow(/"ticks"/);
    expect(() => loadConfig({ REASONING_GATE: 'news;moves' })).toThrow(
      /invalid configuration: REASONING_GATE: a comma-separated subset of news, moves, levels/,
    );
  });
});
