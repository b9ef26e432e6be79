/**
 * @jest-environment <rootDir>/tools/reasoning/src/graph/ort-test-environment.ts
 */
import * as ort from 'onnxruntime-node';
import { kvBytesPerToken } from './model-spec';
import { ReasoningEngine } from './reasoning.engine';
import {
  buildTempModel,
  maxAbsDiff,
  WORKSPACE,
  testConfig,
} from '@risk/reasoning-tools/testing/model-fixture';
import type { GenerateResult, ReasoningEngineOptions } from './reasoning.engine';

jest.setTimeout(60000);

// The device-resident K/V path (REASONING_KV_ON_DEVICE) forced on the CPU execution provider:
// the present tensors come back as CPU tensors, and `emulateDevice` makes any synchronous read
// of K/V the engine did not download first throw, as `.data` of a `gpu-buffer` tensor does.

const { system: SYSTEM, snapshot: SNAPSHOT, levels: LEVELS } = WORKSPACE;
const EVENTS = [...WORKSPACE.events];

function open(
  dir: string,
  kvOnDevice: boolean,
  overrides: Partial<ReasoningEngineOptions> = {},
): Promise<ReasoningEngine> {
  const config = testConfig(overrides);
  return ReasoningEngine.open(dir, { ...config, session: { ...config.session, kvOnDevice } });
}

async function openDevice(
  dir: string,
  overrides: Partial<ReasoningEngineOptions> = {},
): Promise<ReasoningEngine> {
  const e = await open(dir, true, overrides);
  e.transfers.emulateDevice = true;
  return e;
}

/** The meters a decode step must leave as they are on the device path. */
function meters(e: ReasoningEngine): { d2h: number; h2d: number; copied: number } {
  return {
    d2h: e.transfers.deviceToHostBytes,
    h2d: e.transfers.hostToDeviceBytes,
    copied: e.copies.bytes,
  };
}

describe('device-resident K/V (forced on the CPU execution provider)', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let host: ReasoningEngine;
  let device: ReasoningEngine;

  beforeAll(async () => {
    ({ dir, cleanup } = await buildTempModel());
    host = await open(dir, false, { maxStepTokens: 16 });
    device = await openDevice(dir, { maxStepTokens: 16 });
  });

  afterAll(async () => {
    await host.close();
    await device.close();
    await cleanup();
  });

  it('is off on CPU unless forced', () => {
    expect(host.kvOnDevice).toBe(false);
    expect(device.kvOnDevice).toBe(true);
  });

  it('gives the same logits, scores and tokens as the host path, cached and full', async () => {
    const parts = { system: SYSTEM, snapshot: SNAPSHOT, events: EVENTS };
    await host.setContext('a', parts);
    await device.setContext('a', parts);
    const full = await host.referenceLogits(host.contextOf('a'));
    const d = await device.lastLogits('a');
    expect(maxAbsDiff(d, await host.lastLogits('a'))).toBe(0);
    expect(maxAbsDiff(d, await device.referenceLogits(device.contextOf('a')))).toBeLessThanOrEqual(
      1e-4,
    );
    expect(maxAbsDiff(d, full)).toBeLessThanOrEqual(1e-4);
    // A rewind (snapshot changed) and an append.
    const changed = { ...parts, snapshot: SNAPSHOT.replace('50 shares', '75 shares') };
    await host.setContext('a', changed);
    await device.setContext('a', changed);
    await host.append('a', ' News: Fed holds rates.');
    await device.append('a', ' News: Fed holds rates.');
    expect(maxAbsDiff(await device.lastLogits('a'), await host.lastLogits('a'))).toBe(0);
    const [hs, ds] = [await host.scoreOptions('a', LEVELS), await device.scoreOptions('a', LEVELS)];
    // Options run as one batch: the host path pads it into a growable buffer (free slots masked
    // out), the device path feeds the exact past, so sums differ in the last float bits only.
    for (const [k, p] of ds.logProbs.entries()) expect(p).toBeCloseTo(hs.logProbs[k], 6);
    const [hg, dg] = [
      await host.generate('a', { maxTokens: 12, minTokens: 12 }),
      await device.generate('a', { maxTokens: 12, minTokens: 12 }),
    ];
    expect(dg.tokens).toEqual(hg.tokens);
    expect(dg.tokens.length).toBe(12);
  });

  it('decodes a single sequence with no K/V read, copied or uploaded after the first step', async () => {
    await device.setContext('solo', { system: SYSTEM, snapshot: SNAPSHOT, events: EVENTS });
    // The context's block is the session's own present: even the first step feeds it as is.
    expect(device.cache.peek('solo')?.block.device).toBeDefined();
    const before = meters(device);
    const live = device.transfers.liveTensors;
    const steps: ReturnType<typeof meters>[] = [];
    const runs0 = device.batchHistory.length;
    const g = await device.generate('solo', {
      maxTokens: 16,
      minTokens: 16,
      onToken: () => steps.push(meters(device)),
    });
    expect(g.tokens.length).toBe(16);
    // 15 decode steps, each one row, none of them moving or copying K/V.
    expect(device.batchHistory.slice(runs0)).toEqual(Array(15).fill(1));
    for (const m of steps) expect(m).toEqual(before);
    expect(meters(device)).toEqual(before);
    // Every step's present was disposed once the next one replaced it.
    expect(device.transfers.liveTensors).toBe(live);
  });

  it('keeps a batch row in the cache as host K/V, uploads it once, then decodes on the device', async () => {
    // Prefilled in one batch (same event-loop turn): each row is downloaded and gathered into
    // the compact host block the cache stores.
    const runs0 = device.batchHistory.length;
    const d2h0 = device.transfers.deviceToHostBytes;
    await Promise.all(
      ['up1', 'up2'].map((id) =>
        device.setContext(id, { system: SYSTEM, snapshot: `${SNAPSHOT} ${id}`, events: [] }),
      ),
    );
    expect(device.batchHistory.slice(runs0)).toContain(2);
    expect(device.transfers.deviceToHostBytes).toBeGreaterThan(d2h0);
    const block = device.cache.peek('up1')?.block;
    expect(block?.device).toBeUndefined();
    const steps: ReturnType<typeof meters>[] = [];
    const g = await device.generate('up1', {
      maxTokens: 8,
      minTokens: 8,
      onToken: () => steps.push(meters(device)),
    });
    // The first decode step uploads the host context (its exact bytes); later steps move nothing.
    const bytes = device.contextOf('up1').length * kvBytesPerToken(device.spec);
    expect(steps[1]).toEqual({ ...steps[0], h2d: steps[0].h2d + bytes });
    for (const m of steps.slice(2)) expect(m).toEqual(steps[1]);
    await host.prefill('alone', device.contextOf('up1'));
    expect((await host.generate('alone', { maxTokens: 8, minTokens: 8 })).tokens).toEqual(g.tokens);
  });

  it('batches: same tokens as alone; rows joining count their download, a running batch none', async () => {
    const batched = await openDevice(dir, { maxBatch: 8, maxWaitMs: 20 });
    try {
      const ids = ['x1', 'x2', 'x3'];
      // Prefilled one at a time: each context is a single-row device block.
      for (const [i, id] of ids.entries()) {
        await batched.setContext(id, {
          system: SYSTEM,
          snapshot: `${SNAPSHOT} ${'extra '.repeat(i)}`,
          events: EVENTS.slice(0, i % 2),
        });
        expect(batched.cache.peek(id)?.block.device).toBeDefined();
      }
      const d2h0 = batched.transfers.deviceToHostBytes;
      const runs0 = batched.batchHistory.length;
      const generated = await Promise.all(
        ids.map((id) => batched.generate(id, { maxTokens: 10, minTokens: 10 })),
      );
      expect(batched.batchHistory.slice(runs0)).toEqual(Array(9).fill(3));
      // The first step packs the three contexts into one padded batch: each is downloaded once
      // (exactly its K/V bytes); the other 8 steps feed the batch's present back as is.
      const contexts = ids.reduce((n, id) => n + batched.contextOf(id).length, 0);
      expect(batched.transfers.deviceToHostBytes - d2h0).toBe(
        contexts * kvBytesPerToken(batched.spec),
      );
      for (const [i, id] of ids.entries()) {
        await host.prefill('alone', batched.contextOf(id));
        const alone = await host.generate('alone', { maxTokens: 10, minTokens: 10 });
        expect(generated[i].tokens).toEqual(alone.tokens);
      }

      // A row that joins a running batch: the batch's present is downloaded to pack it.
      const d2h1 = batched.transfers.deviceToHostBytes;
      let joined: Promise<GenerateResult> | undefined;
      const running = await Promise.all(
        ids.slice(0, 2).map((id) =>
          batched.generate(id, {
            maxTokens: 8,
            minTokens: 8,
            // x3 starts decoding while x1 and x2 are three steps into their batch.
            onToken: (_, text) => {
              if (id === 'x1' && !joined && batched.tokenizer.encode(text).length >= 3)
                joined = batched.generate('x3', { maxTokens: 4, minTokens: 4 });
            },
          }),
        ),
      );
      const late = await joined;
      expect(Math.max(...batched.batchHistory.slice(runs0 + 9))).toBe(3);
      // x3's own context and the running batch's present (two rows) were downloaded to pack.
      const x3Bytes = batched.contextOf('x3').length * kvBytesPerToken(batched.spec);
      expect(batched.transfers.deviceToHostBytes - d2h1).toBeGreaterThan(2 * x3Bytes);
      expect(running[0].tokens).toEqual(generated[0].tokens.slice(0, 8));
      expect(running[1].tokens).toEqual(generated[1].tokens.slice(0, 8));
      expect(late?.tokens).toEqual(generated[2].tokens.slice(0, 4));

      // Nothing leaks: forgetting every context leaves only the shared root's tensors, and
      // closing the engine frees those before the session is released.
      for (const id of ids) batched.forget(id);
      const L = batched.spec.numLayers;
      expect(batched.transfers.liveTensors).toBe(2 * L);
    } finally {
      await batched.close();
    }
    expect(batched.transfers.liveTensors).toBe(0);
  });

  it('scores options on branches without keeping their K/V', async () => {
    const live = device.transfers.liveTensors;
    const a = await device.scoreOptions('a', LEVELS);
    const b = await host.scoreOptions('a', LEVELS);
    for (const [k, p] of a.logProbs.entries()) expect(p).toBeCloseTo(b.logProbs[k], 6);
    expect(device.transfers.liveTensors).toBe(live);
  });

  it('disposes every tensor it lets go of (counted on onnxruntime Tensor.dispose)', async () => {
    const spy = jest.spyOn(ort.Tensor.prototype, 'dispose');
    try {
      const disposed0 = device.transfers.disposedTensors;
      const live0 = device.transfers.liveTensors;
      await device.setContext('d', { system: SYSTEM, snapshot: SNAPSHOT, events: EVENTS });
      await device.generate('d', { maxTokens: 6, minTokens: 6 });
      device.forget('d');
      expect(device.transfers.liveTensors).toBe(live0);
      expect(spy.mock.calls.length).toBe(device.transfers.disposedTensors - disposed0);
      expect(spy.mock.calls.length).toBeGreaterThan(0);
    } finally {
      spy.mockRestore();
    }
  });
});

describe('device-resident K/V with a sliding-window model', () => {
  it('trims by downloading (counted) and equals the host path', async () => {
    const { dir, cleanup } = await buildTempModel(
      { slidingWindow: { window: 12, globalTokens: 4 } },
      11,
    );
    const h = await open(dir, false, { maxStepTokens: 8 });
    const d = await openDevice(dir, { maxStepTokens: 8 });
    try {
      for (const e of [h, d]) {
        await e.setContext('w', { system: SYSTEM, snapshot: SNAPSHOT, events: EVENTS });
        await e.append('w', ' Event: more news arrives.');
      }
      expect(maxAbsDiff(await d.lastLogits('w'), await h.lastLogits('w'))).toBe(0);
      const [hg, dg] = [
        await h.generate('w', { maxTokens: 8, minTokens: 8 }),
        await d.generate('w', { maxTokens: 8, minTokens: 8 }),
      ];
      expect(dg.tokens).toEqual(hg.tokens);
      expect(d.transfers.deviceToHostBytes).toBeGreaterThan(0);
    } finally {
      await h.close();
      await d.close();
      await cleanup();
    }
  });
});

describe('device-resident K/V with the shipped reasoner (models/risk-reasoner/fp32)', () => {
  it('generates the same tokens, and a lone decode moves no K/V', async () => {
    const shipped = 'models/risk-reasoner/fp32';
    const h = await open(shipped, false);
    const d = await openDevice(shipped);
    try {
      const parts = { system: SYSTEM, snapshot: SNAPSHOT, events: EVENTS };
      await h.setContext('p', parts);
      await d.setContext('p', parts);
      expect(maxAbsDiff(await d.lastLogits('p'), await h.lastLogits('p'))).toBe(0);
      const steps: ReturnType<typeof meters>[] = [];
      const [hg, dg] = [
        await h.generate('p', { maxTokens: 20, minTokens: 20 }),
        await d.generate('p', {
          maxTokens: 20,
          minTokens: 20,
          onToken: () => steps.push(meters(d)),
        }),
      ];
      expect(dg.tokens).toEqual(hg.tokens);
      // The shipped model is local-global (G = 4, W = 64): the stored context was trimmed to
      // G + W - 1 slots in JS (a host block), so the first decode step uploads it; later steps
      // feed each present back (the branch is trimmed again only 64 slots later).
      const stored = d.cache.peek('p')?.block;
      expect(stored?.length).toBe(4 + 64 - 1);
      expect(stored?.device).toBeUndefined();
      const upload = (stored?.length ?? 0) * kvBytesPerToken(d.spec);
      expect(steps[1]).toEqual({ ...steps[0], h2d: steps[0].h2d + upload });
      for (const m of steps.slice(2)) expect(m).toEqual(steps[1]);
    } finally {
      await h.close();
      await d.close();
    }
  });
});
