// The seed document's six sample lines, with the agent version field replaced by ours.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { RELAY_VERSION } from '../../src/cef/index.js';

export function seedLines(): string[] {
  const text = readFileSync(fileURLToPath(new URL('../cef/fixtures/seed-lines.txt', import.meta.url)), 'utf8');
  return text
    .trimEnd()
    .split('\n')
    .map((l) => l.replace('|SIEM_Agent|0.102.17|', `|SIEM_Agent|${RELAY_VERSION}|`));
}
