// `npm run docs`: regenerates docs/configuration.md from the settings registry.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { configurationReference } from '../src/config/reference.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
await writeFile(path.join(repo, 'docs', 'configuration.md'), configurationReference());
console.log('wrote docs/configuration.md');
