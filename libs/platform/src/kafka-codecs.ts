import { CompressionCodecs, CompressionTypes } from 'kafkajs';
import * as snappy from 'snappyjs';
import * as lz4 from 'lz4js';
import { decompress as zstdDecompress } from 'fzstd';
import { promisify } from 'node:util';
import { constants as zlibConstants, gzip, unzip } from 'node:zlib';

/** kafkajs hands a codec its encoder; only the bytes matter here. */
interface Encoded {
  buffer: Buffer;
}

interface Codec {
  compress(encoder: Encoded): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}

// The Java client wraps snappy in xerial's stream framing: an 8-byte magic, two 4-byte version
// words, then chunks of [4-byte big-endian length][raw snappy block]. librdkafka writes a bare
// raw block. A consumer must read both.
const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER_BYTES = 16;

export function snappyDecompress(buf: Buffer): Buffer {
  if (buf.length < XERIAL_HEADER_BYTES || !buf.subarray(0, 8).equals(XERIAL_MAGIC))
    return Buffer.from(snappy.uncompress(buf));
  const parts: Buffer[] = [];
  let at = XERIAL_HEADER_BYTES;
  while (at + 4 <= buf.length) {
    const len = buf.readUInt32BE(at);
    at += 4;
    if (at + len > buf.length) throw new Error('snappy: truncated xerial chunk');
    parts.push(Buffer.from(snappy.uncompress(buf.subarray(at, at + len))));
    at += len;
  }
  return Buffer.concat(parts);
}

const snappyCodec: Codec = {
  compress: async (e) => Buffer.from(snappy.compress(e.buffer)),
  decompress: async (b) => snappyDecompress(b),
};

// Record batches v2 (the only format kafkajs reads) carry standard LZ4 frames (KIP-57).
const lz4Codec: Codec = {
  compress: async (e) => Buffer.from(lz4.compress(e.buffer)),
  decompress: async (b) => Buffer.from(lz4.decompress(b)),
};

const gzipAsync = promisify(gzip);
const unzipAsync = promisify(unzip);

/**
 * kafkajs's own gzip codec, at zlib's fastest level: both run on libuv's thread pool, but
 * kafkajs's default level 6 costs about 3× the CPU of level 1 for ~20 % fewer bytes on the
 * service's JSON (bench:outbox-compression), and on a CPU-bound engine the CPU matters more.
 * Any reader inflates either level the same way.
 */
export const GZIP_OUTPUT_LEVEL = zlibConstants.Z_BEST_SPEED;
const gzipCodec: Codec = {
  compress: (e) => gzipAsync(e.buffer, { level: GZIP_OUTPUT_LEVEL }),
  decompress: (b) => unzipAsync(b),
};

// There is no maintained pure-JS zstd compressor; reading is what a consumer needs.
const zstdCodec: Codec = {
  compress: () => Promise.reject(new Error('zstd compression is not supported for producing')),
  decompress: async (b) => Buffer.from(zstdDecompress(b)),
};

/**
 * Teaches kafkajs (which ships only gzip) to read snappy, lz4 and zstd batches from producers
 * such as librdkafka or the Java client; without these a compressed batch throws
 * KafkaJSNotImplemented and the consumer stops for good. Replaces kafkajs's gzip with the same
 * zlib calls at the fastest level (`KAFKA_OUTPUT_COMPRESSION=gzip`). Idempotent; process-wide
 * by design of kafkajs.
 */
export function registerKafkaCodecs(): void {
  CompressionCodecs[CompressionTypes.GZIP] = () => gzipCodec;
  CompressionCodecs[CompressionTypes.Snappy] = () => snappyCodec;
  CompressionCodecs[CompressionTypes.LZ4] = () => lz4Codec;
  CompressionCodecs[CompressionTypes.ZSTD] = () => zstdCodec;
}
