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
      '::ffff:7f00:1',
      'not-an-ip',
      // IPv4-compatible, 6to4, NAT64 (well-known and local), site-local, discard, Teredo,
      // documentation: each embeds or reaches an address the IPv4 rules would refuse.
      '::127.0.0.1',
      '::8.8.8.8',
      '::a00:1',
      '2002:7f00:1::1',
      '2002:808:808::1',
      '64:ff9b::7f00:1',
      '64:ff9b:1::a00:1',
      '64:ff9b:1:ffff::1',
      'fec0::1',
      'feff::1',
      '100::1',
      '100::ffff:ffff:ffff:ffff',
      '2001::1',
      '2001:0:4136:e378:8000:63bf:3fff:fdd2',
      '2001:db8::1',
      '192.0.2.1',
      '198.51.100.7',
      '203.0.113.9',
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
      '::ffff:808:808',
      '2001:4860:4860::8888',
      '2a00:1450:4001:80b::200e',
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
    for (const host of [
      '[::127.0.0.1]',
      '[2002:a00:1::]',
      '[64:ff9b:1::1]',
      '[fec0::1]',
      '[100::]',
    ])
      await expect(checkWebhookUrl(`http://${host}/x`, false, publicOnly)).rejects.toThrow(
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
