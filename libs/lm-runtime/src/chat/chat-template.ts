import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Template } from '@huggingface/jinja';
import { readModelJson } from '../model-files';

export interface ChatMessage {
  readonly role: 'system' | 'user' | 'assistant';
  readonly content: string;
}

export class ChatTemplateError extends Error {
  override readonly name = 'ChatTemplateError';
}

/** A special token as tokenizer_config.json writes it: a string or `{ content }`. */
function tokenText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (
    value &&
    typeof value === 'object' &&
    typeof (value as { content?: unknown }).content === 'string'
  )
    return (value as { content: string }).content;
  return undefined;
}

const PROBE = '\u0000probe\u0000';

/**
 * A model's own chat template (tokenizer_config.json `chat_template`, Jinja, rendered with
 * @huggingface/jinja as transformers.js does). Besides whole conversations it renders the two
 * things a cached context needs: one turn as it follows the system message (each turn's text
 * is fixed once rendered, so a context only ever grows at its end), and an assistant message
 * left open for the model to continue (HF's `continue_final_message`).
 */
export class ChatTemplate {
  private readonly template: Template;
  /** What the template writes after an assistant message's content (its end of turn). */
  readonly turnEnd: string;

  constructor(
    readonly source: string,
    private readonly specials: Readonly<Record<string, string>> = {},
  ) {
    try {
      this.template = new Template(source);
    } catch (e) {
      throw new ChatTemplateError(`chat template does not parse: ${(e as Error).message}`);
    }
    const probe = this.render([
      { role: 'user', content: 'q' },
      { role: 'assistant', content: PROBE },
    ]);
    const at = probe.lastIndexOf(PROBE);
    if (at < 0) throw new ChatTemplateError('chat template drops assistant content');
    this.turnEnd = probe.slice(at + PROBE.length);
  }

  /** The conversation as the template writes it. */
  render(messages: readonly ChatMessage[], opts: { addGenerationPrompt?: boolean } = {}): string {
    try {
      return this.template.render({
        ...this.specials,
        messages: messages.map((m) => ({ role: m.role, content: m.content })),
        add_generation_prompt: opts.addGenerationPrompt ?? false,
        // Qwen3: answer without a thinking block (the reasoner's own steps are the reasoning).
        enable_thinking: false,
      });
    } catch (e) {
      throw new ChatTemplateError(`chat template failed: ${(e as Error).message}`);
    }
  }

  /**
   * The conversation with its last (assistant) message left open: the text ends right after its
   * content, as HF's `continue_final_message` cuts it.
   */
  renderOpen(messages: readonly ChatMessage[]): string {
    const last = messages[messages.length - 1];
    if (!last || last.role !== 'assistant')
      throw new ChatTemplateError('an open conversation ends with an assistant message');
    const full = this.render(messages);
    const content = last.content.trim();
    if (content.length === 0)
      return this.render(messages.slice(0, -1), { addGenerationPrompt: true });
    const at = full.lastIndexOf(content);
    if (at < 0) throw new ChatTemplateError('chat template rewrites the assistant content');
    return full.slice(0, at + content.length);
  }

  /**
   * `messages` (a turn: user and assistant messages) as they follow `system`: the text the
   * template adds after the system message alone. With `open`, the last assistant message stays
   * open. Rendering each turn after the system message alone keeps a turn's text the same
   * whatever follows it (Qwen3's template, for one, rewrites earlier assistant turns).
   */
  turnAfter(system: ChatMessage, messages: readonly ChatMessage[], open = false): string {
    const head = this.render([system]);
    const full = open ? this.renderOpen([system, ...messages]) : this.render([system, ...messages]);
    if (!full.startsWith(head))
      throw new ChatTemplateError('chat template rewrites the system message when turns follow');
    return full.slice(head.length);
  }

  /**
   * The system message split where `shared` (its leading text, the same for every context)
   * ends: the shared part runs through `shared` and the line break after it, if any. The rest
   * (the per-context part of the system message and the template's end of it) follows.
   */
  splitSystem(shared: string, rest: string): { shared: string; rest: string } {
    const rendered = this.render([
      { role: 'system', content: rest.length > 0 ? `${shared}\n${rest}` : shared },
    ]);
    const at = rendered.indexOf(shared);
    if (at < 0) throw new ChatTemplateError('chat template rewrites the system prompt');
    let end = at + shared.length;
    if (rendered[end] === '\n') end++;
    return { shared: rendered.slice(0, end), rest: rendered.slice(end) };
  }
}

/**
 * The model folder's chat template: `chat_template.jinja`, else tokenizer_config.json's
 * `chat_template` (a string, or a list of named templates of which `default` is taken);
 * undefined when the folder has none.
 */
export async function loadChatTemplate(modelDir: string): Promise<ChatTemplate | undefined> {
  const config = (await readModelJson(modelDir, 'tokenizer_config.json')) ?? {};
  let source: string | undefined;
  try {
    source = await fs.readFile(path.join(modelDir, 'chat_template.jinja'), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const field = config['chat_template'];
  if (source === undefined && typeof field === 'string') source = field;
  if (source === undefined && Array.isArray(field)) {
    const named = (field as { name?: unknown; template?: unknown }[]).find(
      (t) => t.name === 'default',
    );
    if (typeof named?.template === 'string') source = named.template;
  }
  if (source === undefined) return undefined;
  const specials: Record<string, string> = {};
  for (const key of ['bos_token', 'eos_token', 'pad_token', 'unk_token']) {
    const text = tokenText(config[key]);
    if (text !== undefined) specials[key] = text;
  }
  return new ChatTemplate(source, specials);
}

/**
 * The chat template of the project's own models (the shipped reasoner): plain text, the system
 * message after `System: `, every message on its own line(s), no special tokens. It writes
 * exactly the text the reasoner was trained on, and is what a folder without a template gets.
 */
export const PLAIN_CHAT_TEMPLATE =
  "{%- for message in messages -%}{%- if message.role == 'system' -%}{{ 'System: ' + message.content + '\\n' }}{%- else -%}{{ message.content + '\\n' }}{%- endif -%}{%- endfor -%}";
