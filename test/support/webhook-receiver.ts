import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface ReceivedWebhook {
  id: string;
  timestamp: string;
  body: string;
  at: number;
  /** What the receiver answered. */
  status: number;
}

export type Responder = (
  req: ReceivedWebhook,
) => { status: number; headers?: Record<string, string> } | 'hang';

/**
 * A real HTTP receiver: verifies every request's Standard Webhooks signature with the package
 * (an unverifiable request fails the test through `badSignatures`), and answers as told.
 */
export class WebhookReceiver {
  readonly requests: ReceivedWebhook[] = [];
  readonly badSignatures: string[] = [];
  secret = '';
  respond: Responder = () => ({ status: 200 });
  private server?: http.Server;
  port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}/hook`;
  }

  /** Acknowledged (2xx) deliveries, by webhook-id. */
  acknowledged(): Map<string, ReceivedWebhook[]> {
    const m = new Map<string, ReceivedWebhook[]>();
    for (const r of this.requests.filter((x) => x.status >= 200 && x.status < 300))
      m.set(r.id, [...(m.get(r.id) ?? []), r]);
    return m;
  }

  async start(port = 0): Promise<this> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const headers = {
          'webhook-id': String(req.headers['webhook-id'] ?? ''),
          'webhook-timestamp': String(req.headers['webhook-timestamp'] ?? ''),
          'webhook-signature': String(req.headers['webhook-signature'] ?? ''),
        };
        try {
          new Webhook(this.secret).verify(body, headers);
        } catch (e) {
          this.badSignatures.push(`${headers['webhook-id']}: ${(e as Error).message}`);
        }
        const rec: ReceivedWebhook = {
          id: headers['webhook-id'],
          timestamp: headers['webhook-timestamp'],
          body,
          at: Date.now(),
          status: 0,
        };
        const answer = this.respond(rec);
        if (answer === 'hang') return;
        rec.status = answer.status;
        this.requests.push(rec);
        res.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers });
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}
