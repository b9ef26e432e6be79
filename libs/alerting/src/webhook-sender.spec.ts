import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpWebhookSender } from './webhook-sender';

/** A real receiver on loopback whose behaviour each test sets. */
async function receiver(handler: http.RequestListener): Promise<{ url: string; stop(): void }> {
  const server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    stop: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

describe('HttpWebhookSender', () => {
  const sender = new HttpWebhookSender({ timeoutMs: 1500, allowPrivate: true });

  it('counts a 2xx as delivered as soon as the status arrives, however slow the body', async () => {
    const r = await receiver((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      // A body that trickles and never ends.
      const t = setInterval(() => res.write('.'), 200);
      res.on('close', () => clearInterval(t));
    });
    try {
      const sent = await sender.send(r.url, {}, '{}');
      expect(sent).toMatchObject({ statusCode: 200, error: null });
    } finally {
      r.stop();
    }
  });

  it('ends an attempt whose receiver never answers at the deadline', async () => {
    const r = await receiver(() => undefined);
    try {
      const sent = await sender.send(r.url, {}, '{}');
      expect(sent.statusCode).toBeNull();
      expect(sent.error).toMatch(/timed out/);
    } finally {
      r.stop();
    }
  });

  it('reads the status and Retry-After of a refusal without its body', async () => {
    const r = await receiver((_req, res) => {
      res.writeHead(503, { 'retry-after': '7' });
      res.write('x'.repeat(200_000));
    });
    try {
      const sent = await sender.send(r.url, {}, '{}');
      expect(sent).toMatchObject({ statusCode: 503, retryAfterMs: 7000, error: null });
    } finally {
      r.stop();
    }
  });
});
