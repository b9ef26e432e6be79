import http from 'node:http';

export interface SseEvent {
  id: string | null;
  event: string;
  data: string;
}

/** A minimal text/event-stream reader (tests need the raw ids and order, no reconnect logic). */
export class SseClient {
  readonly events: SseEvent[] = [];
  status = 0;
  /** The server ended the response. */
  ended = false;
  private req?: http.ClientRequest;
  private buffer = '';

  static async open(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
    const c = new SseClient();
    await new Promise<void>((resolve, reject) => {
      c.req = http.get(url, { headers: { accept: 'text/event-stream', ...headers } }, (res) => {
        c.status = res.statusCode ?? 0;
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => c.feed(chunk));
        res.on('error', () => undefined);
        res.on('end', () => (c.ended = true));
        resolve();
      });
      c.req.on('error', reject);
    });
    return c;
  }

  private feed(chunk: string): void {
    this.buffer += chunk;
    for (;;) {
      const end = this.buffer.indexOf('\n\n');
      if (end < 0) return;
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      let id: string | null = null;
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) continue;
        const i = line.indexOf(':');
        const field = i < 0 ? line : line.slice(0, i);
        const value = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
        if (field === 'id') id = value;
        else if (field === 'event') event = value;
        else if (field === 'data') data.push(value);
      }
      if (data.length > 0) this.events.push({ id, event, data: data.join('\n') });
    }
  }

  async waitForCount(n: number, timeoutMs = 20_000): Promise<SseEvent[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.events.length < n) {
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${n} SSE events (have ${this.events.length})`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return this.events;
  }

  close(): void {
    this.req?.destroy();
  }
}
