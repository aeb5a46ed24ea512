// The documents a user reads stay true to the code.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configurationReference } from '../../src/config/reference.js';
import { SETTINGS } from '../../src/config/settings.js';

const read = (p: string) => readFileSync(new URL(`../../${p}`, import.meta.url), 'utf8');

describe('documentation', () => {
  it('has a current configuration reference (run `npm run docs` after changing settings)', () => {
    expect(read('docs/configuration.md')).toBe(configurationReference());
  });
  it('lists every setting in the reference', () => {
    const doc = read('docs/configuration.md');
    for (const s of SETTINGS) expect(doc).toContain(`\`${s.name}\``);
  });
  it('gives the README exactly the two commands a newcomer needs', () => {
    const readme = read('README.md');
    expect(readme).toContain('npm ci && npm run demo');
    expect(readme).toContain('npm ci && npm test');
  });
});
