import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { databaseUrlFor, dropDatabase, uniqueTag, waitFor } from './support/harness';
import { freePort } from './support/service-process';

/**
 * Ctrl-C on `npm run demo` ends it quietly: exit 0, no error line, no stack trace (it used to
 * end with an uncaught "Session already disposed": the reasoning session closed twice, while
 * the engine still flushed). Ctrl-C signals the terminal's whole process group, as here.
 */
describe('npm run demo, then Ctrl-C', () => {
  const tag = uniqueTag('demo');
  const databaseUrl = databaseUrlFor(tag);
  afterAll(() => dropDatabase(databaseUrl));

  it('exits 0 with nothing at error level and no stack trace', async () => {
    const port = await freePort();
    const child = spawn('npm', ['run', 'demo'], {
      cwd: join(__dirname, '..'),
      env: {
        ...process.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        TOPIC_PREFIX: `${tag}.`,
        GROUP_PREFIX: `${tag}.`,
        DATABASE_URL: databaseUrl,
        INSTANCE_ID: 'demo',
        // Fast enough that evaluations and judgements are in flight when the signal comes.
        DEMO_SPEED: '60',
      },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (b: Buffer) => (output += b.toString()));
    child.stderr.on('data', (b: Buffer) => (output += b.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      await waitFor(() => output.includes('demo is running'), 180_000, 'the demo to start');
      await waitFor(() => /evaluat|owning positions/i.test(output), 60_000, 'the engine at work');
      await new Promise((r) => setTimeout(r, 3000));
      process.kill(-child.pid!, 'SIGINT');
      const code = await exited;
      expect({ code, output: output.slice(-3000) }).toMatchObject({ code: 0 });
      expect(output).not.toMatch(/Session already disposed/);
      expect(output).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
      expect(output).not.toMatch(/\bERROR\b|"level":50/);
    } finally {
      if (child.exitCode === null && child.signalCode === null)
        process.kill(-child.pid!, 'SIGKILL');
    }
  });
});
