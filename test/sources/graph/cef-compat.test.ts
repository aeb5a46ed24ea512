// Compatibility mode: a Defender for Cloud Apps alert read from Graph gives the line the legacy source
// gives for the same alert: same header, same keys in the same order, and only documented differences.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createCefWriter, DEFAULT_CEF_OPTIONS, type CefOptions } from '../../../src/cef/index.js';
import { createGraphFormatter, DEFAULT_GRAPH_CEF_OPTIONS } from '../../../src/sources/graph/cef/index.js';
import { createFormatter } from '../../../src/sources/mdca/cef/index.js';
import type { MdcaAlert } from '../../../src/sources/mdca/types.js';
import { generateAlerts } from '../../../src/simulator/fixtures.js';
import { graphAlertFromMdca } from '../../../src/simulator/graph/from-mdca.js';
import { loadSeedAlerts } from '../../../src/simulator/seed.js';
import { parseLine } from '../../support/cef-parser.js';
import { MDCA, MDE, NEW_ALERTS } from './cef-fixtures/alerts.js';
import { NATIVE_CORE_KEYS } from './cef-fixtures/keys.js';

/**
 * Fields whose value may differ between the two sources, each listed in docs/graph-cef.md
 * ("Compatibility mode: what differs"). Any other differing field fails the test.
 */
const DOCUMENTED = ['signatureId', 'name', 'suser', 'cn1', 'cs1', 'cs3', 'cs4'] as const;

const doc = readFileSync(new URL('../../../docs/graph-cef.md', import.meta.url), 'utf8');
const differencesSection = doc.slice(doc.indexOf('## Compatibility mode'));

interface Pair {
  legacy: ReturnType<typeof parseLine>;
  graph: ReturnType<typeof parseLine>;
}

function compare(alerts: MdcaAlert[], options: CefOptions): { pairs: Pair[]; differing: Map<string, number> } {
  const writer = createCefWriter(options);
  const legacy = createFormatter(options, writer);
  const compat = createGraphFormatter(DEFAULT_GRAPH_CEF_OPTIONS, writer);
  const differing = new Map<string, number>();
  const pairs = alerts.map((a): Pair => {
    const pair = { legacy: parseLine(legacy.alert(a)), graph: parseLine(compat.format({ kind: 'new', alert: graphAlertFromMdca(a) })) };
    const note = (field: string, l: string | undefined, g: string | undefined) => {
      if (l !== g) differing.set(field, (differing.get(field) ?? 0) + 1);
    };
    note('signatureId', pair.legacy.signatureId, pair.graph.signatureId);
    note('name', pair.legacy.name, pair.graph.name);
    for (const k of new Set([...pair.legacy.keys, ...pair.graph.keys])) note(k, pair.legacy.extension[k], pair.graph.extension[k]);
    return pair;
  });
  return { pairs, differing };
}

const seed = await loadSeedAlerts();
const generated = generateAlerts(400, { seed: 16, now: Date.UTC(2026, 10, 30) });

describe.each([
  ['the legacy seed (6 alerts)', seed],
  ['400 generated simulator alerts', generated],
])('compatibility mode over %s', (_label, alerts) => {
  const { pairs, differing } = compare(alerts, { ...DEFAULT_CEF_OPTIONS, version: '0.102.17' });

  it('has alerts to compare', () => expect(pairs.length).toBe(alerts.length));

  it('writes the same syslog prefix, vendor, product, version and severity', () => {
    for (const { legacy, graph } of pairs) {
      expect({ ...graph.prefix, cef: '' }).toEqual({ ...legacy.prefix, cef: '' });
      expect([graph.vendor, graph.product, graph.deviceVersion, graph.severity]).toEqual([legacy.vendor, legacy.product, legacy.deviceVersion, legacy.severity]);
    }
  });

  it('writes the same extension keys in the same order', () => {
    for (const { legacy, graph } of pairs) expect(graph.keys).toEqual(legacy.keys);
  });

  it('differs only in documented fields, each listed in docs/graph-cef.md', () => {
    const undocumented = [...differing.keys()].filter((k) => !(DOCUMENTED as readonly string[]).includes(k));
    expect(undocumented).toEqual([]);
    for (const k of differing.keys()) expect(differencesSection, k).toContain(`\`${k}\``);
  });

  it('carries the legacy id, times, text, user, app tokens and addresses unchanged', () => {
    for (const { legacy, graph } of pairs)
      for (const k of ['externalId', 'start', 'end', 'msg', 'suser', 'destinationServiceName', 'cs2', 'src', 'c6a1'])
        expect(graph.extension[k], k).toBe(legacy.extension[k]);
  });
});

describe('compatibility mode, seed alerts', () => {
  it('the link is the only difference in the six seed lines besides the two fields Graph lacks (relatedAudits; riskScore is null there)', () => {
    const { differing } = compare(seed, { ...DEFAULT_CEF_OPTIONS, version: '0.102.17' });
    expect([...differing.keys()].sort()).toEqual(['cs1', 'cs3']);
  });
});

describe('compatibility mode follows the legacy settings of the writer', () => {
  it('uses the legacy severity map, app names, vendor and product', () => {
    const options: CefOptions = {
      ...DEFAULT_CEF_OPTIONS,
      vendor: 'Contoso',
      product: 'CASB',
      format: 'generic',
      hostname: 'relay-1',
      severityMap: { 0: 2, 1: 5, 2: 9, 3: 0 },
      appNames: { 33626: 'GOOGLE' },
    };
    const { pairs, differing } = compare([...seed, ...generated.slice(0, 100)], options);
    for (const { legacy, graph } of pairs) {
      expect([graph.vendor, graph.product, graph.severity]).toEqual([legacy.vendor, legacy.product, legacy.severity]);
      expect(graph.extension.cs2).toBe(legacy.extension.cs2);
    }
    expect(pairs.some((p) => p.graph.extension.cs2 === 'APPID_GOOGLE')).toBe(true);
    expect(new Set(pairs.map((p) => p.graph.severity))).toEqual(new Set(['2', '5', '9']));
    expect([...differing.keys()].filter((k) => !(DOCUMENTED as readonly string[]).includes(k))).toEqual([]);
  });
});

describe('scope of compatibility mode', () => {
  const writer = createCefWriter({ ...DEFAULT_CEF_OPTIONS, version: '1.2.3' });
  const on = createGraphFormatter(DEFAULT_GRAPH_CEF_OPTIONS, writer);
  const off = createGraphFormatter({ ...DEFAULT_GRAPH_CEF_OPTIONS, compat: false }, writer);

  it('applies only to Defender for Cloud Apps: other products are native with it on', () => {
    for (const [name, alert] of Object.entries(NEW_ALERTS)) {
      const p = parseLine(on.format({ kind: 'new', alert }));
      if (name === 'MDCA') expect([p.vendor, p.product]).toEqual(['MCAS', 'SIEM_Agent']);
      else expect(p.keys.slice(0, NATIVE_CORE_KEYS.length)).toEqual(NATIVE_CORE_KEYS);
    }
    expect(on.format({ kind: 'new', alert: MDE })).toBe(off.format({ kind: 'new', alert: MDE }));
  });

  it('off: Defender for Cloud Apps alerts are native too, with the Graph id', () => {
    const p = parseLine(off.format({ kind: 'new', alert: MDCA }));
    expect([p.vendor, p.product, p.extension.externalId]).toEqual(['Microsoft', 'Defender for Cloud Apps', MDCA.id]);
  });

  it('infers the legacy signature from the policy kind the description names, else writes ALERT', () => {
    const sig = (description: string, detectorId: string | null = null) =>
      parseLine(on.format({ kind: 'new', alert: { ...MDCA, description, detectorId } })).signatureId;
    expect(sig("Activity policy 'x' was triggered by 'y'")).toBe('ALERT_CABINET_EVENT_MATCH_AUDIT');
    expect(sig("File policy 'x' was matched by 'y'")).toBe('ALERT_CABINET_EVENT_MATCH_FILE');
    expect(sig("Session policy 'x' was triggered")).toBe('ALERT_CABINET_INLINE_EVENT_MATCH');
    expect(sig('Impossible travel')).toBe('ALERT');
    expect(sig('Impossible travel', 'ALERT_IMPOSSIBLE_TRAVEL')).toBe('ALERT_IMPOSSIBLE_TRAVEL');
    expect(sig('x', 'ALERT_X\nCEF')).toBe('ALERT');
  });

  it('writes the MDCA id (providerAlertId) as externalId, the Graph id when there is none', () => {
    expect(parseLine(on.format({ kind: 'new', alert: MDCA })).extension.externalId).toBe(MDCA.providerAlertId);
    expect(parseLine(on.format({ kind: 'new', alert: { ...MDCA, providerAlertId: null } })).extension.externalId).toBe(MDCA.id);
  });
});
