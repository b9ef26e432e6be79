/**
 * `npm run bench:models`: real model folders through the engine, in one run.
 *
 * 1. Every downloaded folder format (bench/models-formats.ts): loaded, largest cached-vs-full
 *    logit difference, tokens per second.
 * 2. The per-portfolio context (bench/models-context.ts): first-event latency with the shared
 *    system prefix against without it at a 2,000-token system prompt, and the share of each warm
 *    evaluation's context served from the cache when the demo's stream is replayed through the
 *    engine with the shipped reasoner.
 *
 * `-- --ep cuda` runs the formats on CUDA (refused, not faked, on a host without it).
 */
import { resultLine } from './bench-support';
import { measureContext } from './models-context';
import {
  executionProvidersFromArgs,
  formatsResultFields,
  measureFormats,
  printFormats,
} from './models-formats';

async function main(): Promise<void> {
  const formats = await measureFormats({ executionProviders: executionProvidersFromArgs() });
  printFormats(formats);
  const context = await measureContext();
  console.log(
    `context: first event ${context.firstEventSharedMs.toFixed(0)} ms with the shared prefix, ` +
      `${context.firstEventUnsharedMs.toFixed(0)} ms without (${context.systemTokens}-token system prompt); ` +
      `demo replay: ${context.warmEvaluations}/${context.evaluations} warm evaluations, ` +
      `cached share ${context.demoCachedShare.toFixed(3)} (all ${context.demoCachedShareAll.toFixed(3)}, ` +
      `tokens incl. generated ${context.demoTokenShare.toFixed(3)})` +
      (context.rebuildMs !== undefined ? `; rebuild ${context.rebuildMs.toFixed(0)} ms` : ''),
  );
  console.log(
    resultLine({
      ...formatsResultFields(formats),
      shared_prefix_speedup: context.sharedPrefixSpeedup.toFixed(2),
      demo_cached_share: context.demoCachedShare.toFixed(3),
    }),
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
