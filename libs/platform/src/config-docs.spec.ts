import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SETTING_NAMES } from './app-config';

/** The variables named in the first column of the README's "Configuration" table. */
function documentedSettings(readme: string): string[] {
  const section = readme.split(/^## Configuration$/m)[1]?.split(/^## /m)[0] ?? '';
  const names = new Set<string>();
  for (const line of section.split('\n')) {
    const first = /^\|([^|]*)\|/.exec(line)?.[1] ?? '';
    for (const m of first.matchAll(/`([A-Z][A-Z0-9_]*)`/g)) names.add(m[1]);
  }
  return [...names].sort();
}

describe('the README settings table', () => {
  const readme = readFileSync(join(__dirname, '..', '..', '..', 'README.md'), 'utf8');

  it('documents every setting of the schema, and no other', () => {
    expect(documentedSettings(readme)).toEqual([...SETTING_NAMES].sort());
  });
});
