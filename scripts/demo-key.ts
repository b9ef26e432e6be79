import type { INestApplication } from '@nestjs/common';

/**
 * The API key the demo prints. Access control lands with the dashboard issue; until then the
 * read API is open and there is no key to print.
 */
export async function demoApiKey(_app: INestApplication): Promise<string | null> {
  return null;
}
