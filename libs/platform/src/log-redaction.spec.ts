import { Writable } from 'node:stream';
import pino from 'pino';
import { LOG_REDACT_PATHS, redactUrl } from './log-redaction';

describe('log redaction', () => {
  it('blanks secrets, parameters, credentials and the stream token', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const log = pino({ redact: LOG_REDACT_PATHS }, sink);
    log.error({
      secret: 'whsec_top',
      err: { parameters: ['id', 'whsec_param'], detail: 'Key (secret)=(whsec_detail)' },
      sub: { secret: 'whsec_nested' },
      req: { headers: { authorization: 'Bearer rsk_header' }, query: { access_token: 'rsk_q' } },
    });
    const text = lines.join('');
    for (const s of ['whsec_top', 'whsec_param', 'whsec_detail', 'whsec_nested', 'rsk_'])
      expect(text).not.toContain(s);
  });

  it('blanks access_token in a URL and leaves the rest', () => {
    expect(redactUrl('/api/v1/stream?portfolioId=p1&access_token=rsk_abc&x=1')).toBe(
      '/api/v1/stream?portfolioId=p1&access_token=[Redacted]&x=1',
    );
    expect(redactUrl('/api/v1/stream?ACCESS_TOKEN=rsk_abc')).toBe(
      '/api/v1/stream?ACCESS_TOKEN=[Redacted]',
    );
    expect(redactUrl('/health')).toBe('/health');
    expect(redactUrl(undefined)).toBeUndefined();
  });
});
