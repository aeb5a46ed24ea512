// Loads the alerts behind the seed's six sample CEF lines (src/simulator/data/seed-alerts.json), when present.
import { readFile } from 'node:fs/promises';
import type { MdcaAlert } from '../sources/mdca/types.js';

// Both from src/ (tests, tsx) and from dist/src/ (compiled): the JSON is not copied by tsc.
const CANDIDATES = [
  new URL('./data/seed-alerts.json', import.meta.url),
  new URL('../../../src/simulator/data/seed-alerts.json', import.meta.url),
];

export async function loadSeedAlerts(): Promise<MdcaAlert[]> {
  for (const file of CANDIDATES) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      continue;
    }
    const parsed = JSON.parse(text) as unknown;
    const list = Array.isArray(parsed) ? parsed : (parsed as { alerts?: unknown }).alerts;
    if (!Array.isArray(list)) throw new Error(`${file.pathname}: expected an array of alerts or {"alerts": [...]}`);
    return list as MdcaAlert[];
  }
  return [];
}
