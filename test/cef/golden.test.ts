// Golden output: the seed's six alert lines and every documented activity shape, byte for byte.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CEF_OPTIONS } from '../../src/cef/index.js';
import { createFormatter } from '../../src/sources/mdca/cef/index.js';
import type { MdcaAlert } from '../../src/sources/mdca/types.js';
import { parseLine } from '../support/cef-parser.js';
import { lognormalize } from '../support/lognormalizer.js';
import { ACTIVITY_GOLDENS } from './fixtures/activities.js';

const root = new URL('../../', import.meta.url);
const seedAlerts = JSON.parse(readFileSync(new URL('src/simulator/data/seed-alerts.json', root), 'utf8')) as MdcaAlert[];
const seedLines = readFileSync(new URL('fixtures/seed-lines.txt', import.meta.url), 'utf8').trimEnd().split('\n');

describe('seed alerts in the arcsight format', () => {
  const f = createFormatter({ ...DEFAULT_CEF_OPTIONS, format: 'arcsight', version: '0.102.17' });

  it('there are six seed alerts and six seed lines', () => {
    expect(seedAlerts).toHaveLength(6);
    expect(seedLines).toHaveLength(6);
  });

  seedLines.forEach((line, i) => {
    it(`reproduces seed line ${i + 1} (${seedAlerts[i]?._id}) byte for byte`, () => {
      const out = f.alert(seedAlerts[i]!);
      expect(Buffer.from(out, 'utf8').equals(Buffer.from(line, 'utf8'))).toBe(true);
      expect(out).toBe(line);
    });
  });

  it('the strict parser and lognormalizer read the seed lines identically', () => {
    const parsed = seedLines.map((l) => parseLine(l));
    const ln = lognormalize(parsed.map((p) => p.prefix.cef));
    parsed.forEach((p, i) => {
      const r = ln[i]!;
      expect(r.ok).toBe(true);
      if (r.ok) expect(r.cef.extension).toEqual(p.extension);
    });
  });
});

describe('documented activity shapes', () => {
  for (const g of ACTIVITY_GOLDENS) {
    it(`formats "${g.shape}" exactly as documented`, () => {
      const f = createFormatter({
        ...DEFAULT_CEF_OPTIONS,
        version: g.version,
        portalUrl: g.portalUrl,
        ...(g.hostname !== undefined ? { hostname: g.hostname } : {}),
      });
      expect(f.activity(g.activity)).toBe(g.line);
    });
  }

  it('every documented activity line parses with the agent key order and severity 0', () => {
    for (const g of ACTIVITY_GOLDENS) {
      const p = parseLine(g.line);
      expect(p.severity).toBe('0');
      expect(p.keys).toEqual([
        'externalId', 'rt', 'start', 'end', 'msg', 'suser', 'destinationServiceName', 'dvc', 'requestClientApplication',
        'cs1Label', 'cs1', 'cs2Label', 'cs2', 'cs3Label', 'cs3', 'cs4Label', 'cs4', 'c6a1Label', 'c6a1',
      ]);
      expect(p.extension.c6a1Label).toBe('"Device IPv6 Address"');
    }
  });
});
