import { promises as fs } from 'node:fs';
import * as path from 'node:path';

/** A JSON file of a model folder, or undefined when the folder does not have it. */
export async function readModelJson(
  modelDir: string,
  name: string,
): Promise<Record<string, unknown> | undefined> {
  try {
    return JSON.parse(await fs.readFile(path.join(modelDir, name), 'utf8')) as Record<
      string,
      unknown
    >;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
