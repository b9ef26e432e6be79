import {
  BlockedAddressError,
  checkWebhookUrl,
  isBlockedAddress,
  resolveAllowed,
} from './ssrf-guard';

describe('SSRF guard', () => {
  it('blocks private, loopback, link-local and other special addresses', () => {
    for (const a of [
      '127.0.0.1',
      '127.8.9.10',
      '10.0.0.1',
      '172.16.5.4',
      '172.31.255.255',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '224.0.0.1',
      '::1',
      '::',
      'fe80::1',
      'fd00::1',
      '::ffff:127.0.0.1',
      '::ffff:10.0.0.1',
      'not-an-ip',
    ])
      expect({ a, blocked: isBlockedAddress(a) }).toEqual({ a, blocked: true });
  });

  it('lets public addresses through', () => {
    for (const a of [
      '8.8.8.8',
      '93.184.216.34',
      '172.32.0.1',
      '2606:4700:4700::1111',
      '::ffff:8.8.8.8',
    ])
      expect({ a, blocked: isBlockedAddress(a) }).toEqual({ a, blocked: false });
  });

  it('refuses a name when any of its addresses is blocked', async () => {
    const resolve = async () => [
      { address: '93.184.216.34', family: 4 },
      { address: '10.0.0.5', family: 4 },
    ];
    await expect(resolveAllowed('mixed.example', false, resolve)).rejects.toThrow(
      BlockedAddressError,
    );
    await expect(resolveAllowed('mixed.example', true, resolve)).resolves.toHaveLength(2);
  });

  it('checks subscription URLs: scheme, credentials, host', async () => {
    const publicOnly = async () => [{ address: '93.184.216.34', family: 4 }];
    await expect(
      checkWebhookUrl('https://hooks.example/x', false, publicOnly),
    ).resolves.toBeInstanceOf(URL);
    await expect(checkWebhookUrl('ftp://hooks.example/x', false, publicOnly)).rejects.toThrow(
      /http/,
    );
    await expect(checkWebhookUrl('https://u:p@hooks.example/x', false, publicOnly)).rejects.toThrow(
      /credentials/,
    );
    await expect(checkWebhookUrl('http://[::1]:80/x', false, publicOnly)).rejects.toThrow(
      /disallowed/,
    );
    await expect(checkWebhookUrl('http://127.0.0.1/x', true, publicOnly)).resolves.toBeInstanceOf(
      URL,
    );
    const fails = async () => {
      throw new Error('ENOTFOUND');
    };
    await expect(checkWebhookUrl('https://nowhere.invalid/x', false, fails)).rejects.toThrow(
      /does not resolve/,
    );
  });
});
