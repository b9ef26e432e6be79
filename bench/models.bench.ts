/**
 * `npm run bench:models`: real model folders through the engine. This part: every downloaded
 * folder format (bench/models-formats.ts). The shared-prefix speedup and the demo's cached share
 * come from bench/models-context.ts when merged.
 */
import { resultLine } from './bench-support';
import {
  executionProvidersFromArgs,
  formatsResultFields,
  measureFormats,
  printFormats,
} from './models-formats';

async function main(): Promise<void> {
  const formats = await measureFormats({ executionProviders: executionProvidersFromArgs() });
  printFormats(formats);
  console.log(resultLine(formatsResultFields(formats)));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
