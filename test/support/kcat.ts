import { spawn } from 'node:child_process';
import { BROKERS } from './harness';

export type KcatCodec = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

/**
 * Produces keyed messages with librdkafka's `kcat` (Debian package `kcat`), a producer that is
 * not kafkajs: its own partitioner (consistent_random, CRC32) and its own compression. All lines
 * go in one send, so one compressed record batch per partition. Keys and values must not
 * contain a tab or a newline.
 */
export async function kcatProduce(
  topic: string,
  messages: { key: string; value: string }[],
  opts: { codec?: KcatCodec; partition?: number; extra?: string[] } = {},
): Promise<void> {
  for (const m of messages)
    if (/[\t\n]/.test(m.key) || /[\t\n]/.test(m.value))
      throw new Error('kcatProduce: a key or value holds a tab or a newline');
  const args = ['-P', '-b', BROKERS.split(',')[0], '-t', topic, '-K', '\\t'];
  args.push('-z', opts.codec ?? 'none', '-X', 'acks=all', '-X', 'linger.ms=50');
  if (opts.partition !== undefined) args.push('-p', String(opts.partition));
  args.push(...(opts.extra ?? []));
  const child = spawn('kcat', args, { stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<void>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`kcat exited ${code}: ${stderr.trim()}`)),
    );
  });
  child.stdin.end(messages.map((m) => `${m.key}\t${m.value}\n`).join(''));
  await done;
}
