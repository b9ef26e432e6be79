import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { isIP } from 'node:net';
import {
  BlockedAddressError,
  hostOf,
  resolveAllowed,
  systemResolver,
  type Resolver,
} from './ssrf-guard';
import { parseRetryAfter, type AttemptResult } from './retry-policy';

export interface SendResult extends AttemptResult {
  error: string | null;
  durationMs: number;
}

export interface WebhookSender {
  send(url: string, headers: Record<string, string>, body: string): Promise<SendResult>;
}

export interface HttpSenderOptions {
  timeoutMs: number;
  allowPrivate: boolean;
  resolve?: Resolver;
}

/**
 * POSTs with node:http(s): no redirects are followed (a 3xx is just a failed attempt), the whole
 * exchange is bounded by the timeout, and the address connected to is the one the SSRF guard
 * checked (the guard runs inside the socket's DNS lookup, so a rebinding name cannot slip by).
 */
export class HttpWebhookSender implements WebhookSender {
  constructor(private readonly opts: HttpSenderOptions) {}

  async send(urlText: string, headers: Record<string, string>, body: string): Promise<SendResult> {
    const started = Date.now();
    const done = (r: Omit<SendResult, 'durationMs'>): SendResult => ({
      ...r,
      durationMs: Date.now() - started,
    });
    let url: URL;
    try {
      url = new URL(urlText);
      if (isIP(hostOf(url)) !== 0) await resolveAllowed(hostOf(url), this.opts.allowPrivate);
    } catch (e) {
      return done({ statusCode: null, retryAfterMs: null, error: (e as Error).message });
    }
    const resolve = this.opts.resolve ?? systemResolver;
    const allowPrivate = this.opts.allowPrivate;
    const guardedLookup: LookupFunction = (host, options, callback) => {
      resolveAllowed(host, allowPrivate, resolve).then(
        (addrs) => {
          const wanted = options.family === 4 || options.family === 6 ? options.family : 0;
          const usable = wanted ? addrs.filter((a) => a.family === wanted) : addrs;
          if (usable.length === 0) {
            callback(new BlockedAddressError(`${host} has no IPv${wanted} address`), '', 0);
          } else if (options.all) {
            (callback as unknown as (e: null, a: typeof usable) => void)(null, usable);
          } else {
            callback(null, usable[0].address, usable[0].family);
          }
        },
        (e: Error) => callback(e, '', 0),
      );
    };
    const client = url.protocol === 'https:' ? https : http;
    return new Promise<SendResult>((resolvePromise) => {
      let settled = false;
      const finish = (r: Omit<SendResult, 'durationMs'>) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolvePromise(done(r));
      };
      const req = client.request(
        url,
        {
          method: 'POST',
          headers: {
            ...headers,
            'content-type': 'application/json',
            'content-length': String(Buffer.byteLength(body)),
            'user-agent': 'risk-service-webhooks/1',
          },
          lookup: guardedLookup,
          agent: false,
        },
        (res) => {
          // The body is not needed; drain it so the socket closes cleanly.
          res.resume();
          res.on('end', () =>
            finish({
              statusCode: res.statusCode ?? null,
              retryAfterMs: parseRetryAfter(
                typeof res.headers['retry-after'] === 'string'
                  ? res.headers['retry-after']
                  : undefined,
                new Date(),
              ),
              error: null,
            }),
          );
          res.on('error', (e) =>
            finish({ statusCode: res.statusCode ?? null, retryAfterMs: null, error: e.message }),
          );
        },
      );
      const timer = setTimeout(() => {
        req.destroy(new Error(`timed out after ${this.opts.timeoutMs} ms`));
      }, this.opts.timeoutMs);
      req.on('error', (e) => finish({ statusCode: null, retryAfterMs: null, error: e.message }));
      req.end(body);
    });
  }
}
