import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  ChatTemplate,
  ChatTemplateError,
  loadChatTemplate,
  PLAIN_CHAT_TEMPLATE,
  type ChatMessage,
} from './chat-template';

const fixtures = path.join(__dirname, 'fixtures');
const system: ChatMessage = { role: 'system', content: 'Judge the news.' };
const turn: ChatMessage[] = [
  { role: 'user', content: 'News: ACME beats.' },
  { role: 'assistant', content: 'Reasoning: a beat.\nImpact: positive' },
];

describe('ChatTemplate', () => {
  it('renders Qwen3 (the real tokenizer_config.json) as the model was tuned on', async () => {
    const qwen3 = await loadChatTemplate(path.join(fixtures, 'qwen3'));
    expect(qwen3).toBeDefined();
    const t = qwen3!;
    expect(t.render([system, turn[0]], { addGenerationPrompt: true })).toBe(
      '<|im_start|>system\nJudge the news.<|im_end|>\n' +
        '<|im_start|>user\nNews: ACME beats.<|im_end|>\n' +
        // enable_thinking false: an empty thinking block, as Qwen3's non-thinking mode
        '<|im_start|>assistant\n<think>\n\n</think>\n\n',
    );
    expect(t.turnEnd).toBe('<|im_end|>\n');
    // An open answer ends right after its content (continue_final_message).
    expect(t.renderOpen([system, turn[0], { role: 'assistant', content: 'Reasoning: a' }])).toBe(
      '<|im_start|>system\nJudge the news.<|im_end|>\n' +
        '<|im_start|>user\nNews: ACME beats.<|im_end|>\n' +
        '<|im_start|>assistant\n<think>\n\n</think>\n\nReasoning: a',
    );
    // A turn as it follows the system message keeps its text whatever comes after it.
    expect(t.turnAfter(system, turn)).toBe(
      '<|im_start|>user\nNews: ACME beats.<|im_end|>\n' +
        '<|im_start|>assistant\n<think>\n\n</think>\n\nReasoning: a beat.\nImpact: positive<|im_end|>\n',
    );
  });

  it('renders Qwen2.5 and Llama 3.1 templates, special tokens from tokenizer_config.json', async () => {
    const qwen = new ChatTemplate(
      await readFile(path.join(fixtures, 'qwen2.5-chat-template.jinja'), 'utf8'),
    );
    expect(qwen.render([system, ...turn])).toBe(
      '<|im_start|>system\nJudge the news.<|im_end|>\n<|im_start|>user\nNews: ACME beats.<|im_end|>\n' +
        '<|im_start|>assistant\nReasoning: a beat.\nImpact: positive<|im_end|>\n',
    );
    const dir = await mkdtemp(path.join(os.tmpdir(), 'chat-template-'));
    try {
      await writeFile(
        path.join(dir, 'tokenizer_config.json'),
        JSON.stringify({
          bos_token: { content: '<|begin_of_text|>' },
          eos_token: '<|eot_id|>',
          chat_template: [
            { name: 'tool_use', template: 'unused' },
            {
              name: 'default',
              template: await readFile(path.join(fixtures, 'llama3.1-chat-template.jinja'), 'utf8'),
            },
          ],
        }),
      );
      const llama = (await loadChatTemplate(dir))!;
      expect(
        llama.renderOpen([system, turn[0], { role: 'assistant', content: 'Reasoning:' }]),
      ).toBe(
        '<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n' +
          'Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\nJudge the news.<|eot_id|>' +
          '<|start_header_id|>user<|end_header_id|>\n\nNews: ACME beats.<|eot_id|>' +
          '<|start_header_id|>assistant<|end_header_id|>\n\nReasoning:',
      );
      expect(llama.turnEnd).toBe('<|eot_id|>');
      // chat_template.jinja beside it wins (the newer Hugging Face layout).
      await writeFile(path.join(dir, 'chat_template.jinja'), PLAIN_CHAT_TEMPLATE);
      expect((await loadChatTemplate(dir))!.render([system])).toBe('System: Judge the news.\n');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('splits the system message where the shared prompt ends', () => {
    const plain = new ChatTemplate(PLAIN_CHAT_TEMPLATE);
    expect(plain.splitSystem('Judge the news.', 'Book: long ACME.')).toEqual({
      shared: 'System: Judge the news.\n',
      rest: 'Book: long ACME.\n',
    });
    expect(plain.splitSystem('Judge the news.', '')).toEqual({
      shared: 'System: Judge the news.\n',
      rest: '',
    });
    const qwen = new ChatTemplate(
      "{%- for m in messages -%}{{ '<|im_start|>' + m.role + '\\n' + m.content + '<|im_end|>\\n' }}{%- endfor -%}",
    );
    expect(qwen.splitSystem('Judge the news.', 'Book: long ACME.')).toEqual({
      shared: '<|im_start|>system\nJudge the news.\n',
      rest: 'Book: long ACME.<|im_end|>\n',
    });
  });

  it('fails clearly on a template that does not parse or drops the answer', () => {
    expect(() => new ChatTemplate('{% for m in messages %}')).toThrow(ChatTemplateError);
    expect(() => new ChatTemplate('{{ messages[0].content }}')).toThrow(/drops assistant content/);
  });

  it('is absent from a folder without one', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'chat-template-'));
    try {
      await writeFile(path.join(dir, 'tokenizer_config.json'), '{}');
      expect(await loadChatTemplate(dir)).toBeUndefined();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
