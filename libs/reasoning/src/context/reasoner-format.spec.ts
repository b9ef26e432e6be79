import * as path from 'node:path';
import { ChatTemplate, loadChatTemplate } from '@risk/lm-runtime/chat/chat-template';
import {
  IMPACT_OPTIONS,
  SYSTEM_PROMPT,
  formatBook,
  formatPrompt,
  judgementContext,
  type Exposure,
} from '../model';
import { ReasonerFormat, briefText, itemMessage, type LogItem } from './reasoner-format';

const exposure: Exposure = {
  symbol: 'ACME',
  side: 'long',
  quantity: 100,
  price: 182.4,
  sharePct: 18.25,
};
const book = {
  holdings: [
    { symbol: 'ACME', side: 'long' as const, sharePct: 18.25 },
    { symbol: 'NOVA', side: 'short' as const, sharePct: 6 },
  ],
  grossPct: 24.25,
};
/** ACME beats, judged positive after one reasoning step. */
const judged: LogItem = {
  headline: 'ACME beats',
  body: 'Shares rose.',
  exposure,
  chainOfThought: 'Event: a beat.',
  impact: 'positive',
};
const shipped = path.join(__dirname, '../../../../models/risk-reasoner');

describe('ReasonerFormat', () => {
  it.each(['fp32', 'int8'])(
    "the shipped reasoner's own template (%s) writes exactly the text it was trained on",
    async (variant) => {
      const template = await loadChatTemplate(path.join(shipped, variant));
      expect(template).toBeDefined();
      const f = new ReasonerFormat(template);
      expect(f.systemParts(briefText(book))).toEqual({
        system: SYSTEM_PROMPT,
        snapshot: formatBook(book.holdings, book.grossPct),
      });
      expect(f.systemParts('')).toEqual({ system: SYSTEM_PROMPT, snapshot: '' });
      const prompt = formatPrompt('ACME beats', 'Shares rose.', exposure);
      const user = itemMessage('ACME beats', 'Shares rose.', exposure);
      expect(f.openText(user, null)).toBe(prompt);
      expect(f.openText(user, 'Event: a beat.')).toBe(`${prompt} Event: a beat.`);
      expect(f.openText(user, 'Event: a beat.', 'open')).toBe(
        judgementContext(prompt, 'Event: a beat.'),
      );
      expect(f.openText(user, null, 'open')).toBe(judgementContext(prompt, ''));
      expect(f.options).toEqual(IMPACT_OPTIONS);
      expect(f.endOfTurn).toBeNull();
      const logged = f.logText(judged);
      expect(logged).toBe(`${judgementContext(prompt, 'Event: a beat.')} positive\n`);
    },
  );

  it('in a ChatML template: system prefix shared, options closed by the end of turn', () => {
    const f = new ReasonerFormat(
      new ChatTemplate(
        "{%- for m in messages -%}{{ '<|im_start|>' + m.role + '\\n' + m.content + '<|im_end|>\\n' }}{%- endfor -%}" +
          "{%- if add_generation_prompt -%}{{ '<|im_start|>assistant\\n' }}{%- endif -%}",
      ),
    );
    const a = f.systemParts(briefText(book));
    const b = f.systemParts(briefText({ holdings: [], grossPct: 0 }));
    expect(a.system).toBe(b.system);
    expect(a.system).toBe(`<|im_start|>system\n${SYSTEM_PROMPT.slice('System: '.length)}`);
    expect(a.snapshot).toBe(
      'Book: gross 24% of nav; long ACME 18.3%, short NOVA 6.0%.<|im_end|>\n',
    );
    const user = itemMessage('ACME beats', '', exposure);
    expect(f.openText(user, 'Event: a beat.', 'open')).toBe(
      '<|im_start|>user\nNews: ACME beats. \nPosition: long 100 ACME at 182.40 = 18.3% of nav.<|im_end|>\n' +
        '<|im_start|>assistant\nReasoning: Event: a beat.\nImpact:',
    );
    expect(f.options.map((o) => o.text)).toEqual([
      ' severe negative<|im_end|>',
      ' negative<|im_end|>',
      ' neutral<|im_end|>',
      ' positive<|im_end|>',
    ]);
    expect(f.endOfTurn).toBe('<|im_end|>');
  });

  it("in Qwen3's real template a judged item's text extends the text it was judged on", async () => {
    const template = await loadChatTemplate(
      path.join(__dirname, '../../../lm-runtime/src/chat/fixtures/qwen3'),
    );
    const f = new ReasonerFormat(template);
    const user = itemMessage('ACME beats', 'Shares rose.', exposure);
    const open = f.openText(user, 'Event: a beat.', 'open');
    const logged = f.logText(judged);
    // What was cached while judging stays the prefix of the log: the next item reuses it.
    expect(logged.startsWith(open)).toBe(true);
    expect(logged.slice(open.length)).toBe(f.options[3].text + '\n');
    expect(f.openText(user, null)).toBe(
      '<|im_start|>user\nNews: ACME beats. Shares rose.\nPosition: long 100 ACME at 182.40 = 18.3% of nav.<|im_end|>\n' +
        '<|im_start|>assistant\n<think>\n\n</think>\n\nReasoning:',
    );
    expect(f.endOfTurn).toBe('<|im_end|>');
  });
});
