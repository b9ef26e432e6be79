import { CompressionCodecs, CompressionTypes } from 'kafkajs';
import * as snappy from 'snappyjs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { GZIP_OUTPUT_LEVEL, registerKafkaCodecs, snappyDecompress } from './kafka-codecs';

describe('kafka codecs', () => {
  const text = Buffer.from('{"id":"p-1","positions":[' + '{"symbol":"AAPL"},'.repeat(200) + ']}');

  it.each([CompressionTypes.GZIP, CompressionTypes.Snappy, CompressionTypes.LZ4] as const)(
    'round-trips codec %s through kafkajs',
    async (type) => {
      registerKafkaCodecs();
      const codec = (
        CompressionCodecs[type] as () => {
          compress(e: { buffer: Buffer }): Promise<Buffer>;
          decompress(b: Buffer): Promise<Buffer>;
        }
      )();
      const packed = await codec.compress({ buffer: text });
      expect(packed.length).toBeLessThan(text.length);
      expect((await codec.decompress(packed)).equals(text)).toBe(true);
    },
  );

  it('produces gzip at the fastest level, read by any inflater, and reads any gzip', async () => {
    registerKafkaCodecs();
    const codec = (
      CompressionCodecs[CompressionTypes.GZIP] as () => {
        compress(e: { buffer: Buffer }): Promise<Buffer>;
        decompress(b: Buffer): Promise<Buffer>;
      }
    )();
    const packed = await codec.compress({ buffer: text });
    expect(packed.equals(gzipSync(text, { level: GZIP_OUTPUT_LEVEL }))).toBe(true);
    expect(gunzipSync(packed).equals(text)).toBe(true);
    const best = gzipSync(text, { level: 9 });
    expect((await codec.decompress(best)).equals(text)).toBe(true);
  });

  it('reads the Java client’s xerial-framed snappy in several chunks', () => {
    const a = text.subarray(0, 1000);
    const b = text.subarray(1000);
    const chunk = (part: Buffer) => {
      const raw = Buffer.from(snappy.compress(part));
      const len = Buffer.alloc(4);
      len.writeUInt32BE(raw.length);
      return Buffer.concat([len, raw]);
    };
    const header = Buffer.from([
      0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0, 0, 0, 0, 1, 0, 0, 0, 1,
    ]);
    const framed = Buffer.concat([header, chunk(a), chunk(b)]);
    expect(snappyDecompress(framed).equals(text)).toBe(true);
  });
});
