// Graph CEF options: validated once, each problem named; the severity map and its defaults.
import { describe, expect, it } from 'vitest';
import { createCefWriter, DEFAULT_CEF_OPTIONS, DEFAULT_SEVERITY_MAP } from '../../../src/cef/index.js';
import {
  createGraphFormatter,
  DEFAULT_GRAPH_CEF_OPTIONS,
  DEFAULT_GRAPH_SEVERITY_MAP,
  GRAPH_SEVERITIES,
  validateGraphCefOptions,
  type GraphCefOptions,
} from '../../../src/sources/graph/cef/index.js';
import { loadConfig } from '../../../src/config/load.js';
import { createTokens } from '../../../src/pipeline/relay.js';
import { createSource } from '../../../src/sources/index.js';
import { GRAPH_STREAM } from '../../../src/sources/graph/types.js';
import { parseLine } from '../../support/cef-parser.js';
import { fakeToken } from '../../support/secrets.js';
import { expectRelayErrorSync } from '../../support/relay-error.js';
import { MDE } from './cef-fixtures/alerts.js';

const writer = createCefWriter({ ...DEFAULT_CEF_OPTIONS, version: '1.2.3' });

describe('options', () => {
  it('defaults: compatibility on, the legacy severity numbers', () => {
    expect(DEFAULT_GRAPH_CEF_OPTIONS.compat).toBe(true);
    expect(DEFAULT_GRAPH_SEVERITY_MAP).toEqual({ informational: 1, low: 3, medium: 6, high: 8, unknown: 3 });
    // The same numbers as the legacy map on MDCA's severityValue (0 LOW, 1 MEDIUM, 2 HIGH, 3 INFORMATIONAL).
    expect([DEFAULT_SEVERITY_MAP[0], DEFAULT_SEVERITY_MAP[1], DEFAULT_SEVERITY_MAP[2], DEFAULT_SEVERITY_MAP[3]]).toEqual([
      DEFAULT_GRAPH_SEVERITY_MAP.low, DEFAULT_GRAPH_SEVERITY_MAP.medium, DEFAULT_GRAPH_SEVERITY_MAP.high, DEFAULT_GRAPH_SEVERITY_MAP.informational,
    ]);
    expect(validateGraphCefOptions(DEFAULT_GRAPH_CEF_OPTIONS)).toEqual([]);
  });

  it('names every bad option, one message each', () => {
    expect(validateGraphCefOptions(null)).toEqual(['graph CEF options: must be an object {compat, severityMap}']);
    const problems = validateGraphCefOptions({ compat: 'yes', severityMap: { informational: 1, low: -1, medium: 6.5, high: '8', critical: 10 } });
    expect(problems).toEqual([
      'compat: must be true or false (got "yes")',
      'severityMap.low: CEF severity must be an integer 0..10 (got -1)',
      'severityMap.medium: CEF severity must be an integer 0..10 (got 6.5)',
      'severityMap.high: CEF severity must be an integer 0..10 (got "8")',
      'severityMap.unknown: CEF severity must be an integer 0..10 (got undefined)',
      'severityMap.critical: not a Graph severity (informational, low, medium, high, unknown)',
    ]);
    expect(validateGraphCefOptions({ compat: false })).toEqual([`severityMap: must be an object {${GRAPH_SEVERITIES.join(', ')}} of CEF severities 0..10`]);
  });

  it('createGraphFormatter refuses bad options with CONFIG_INVALID naming them', () => {
    const err = expectRelayErrorSync(() => createGraphFormatter({ compat: 1 } as unknown as GraphCefOptions, writer), 'CONFIG_INVALID', 'config');
    expect(err.message).toMatch(/compat: must be true or false.*severityMap: must be an object/);
  });
});

describe('severity map', () => {
  const map = { informational: 0, low: 2, medium: 5, high: 10, unknown: 4 };
  const f = createGraphFormatter({ compat: false, severityMap: map }, writer);
  const sev = (severity: unknown) => parseLine(f.format({ kind: 'new', alert: { ...MDE, severity } as typeof MDE })).severity;

  it('maps each Graph severity through the configured map', () => {
    for (const s of ['informational', 'low', 'medium', 'high'] as const) expect(sev(s)).toBe(String(map[s]));
  });

  it('maps unknown, unknownFutureValue, missing and any other value to the map\'s unknown', () => {
    for (const s of ['unknown', 'unknownFutureValue', undefined, null, 'HIGH', 'critical', 2, {}, ['high']]) expect(sev(s), String(s)).toBe('4');
  });
});

describe('GRAPH_CEF_SEVERITY_MAP', () => {
  // The setting as the relay takes it: loaded, then through the source the relay builds (src/sources/index.ts).
  const severityOf = (extra: Record<string, string>, severity: string): string => {
    const config = loadConfig({ RELAY_SOURCE: 'graph', GRAPH_TOKEN: fakeToken('graph severity map'), SYSLOG_HOST: '127.0.0.1', RELAY_STATE_DIR: '/nonexistent/unused', ...extra }, 'cli');
    const { source } = createSource(config, { tokens: createTokens(config), writer: createCefWriter(config.cef) });
    return parseLine(source.format(GRAPH_STREAM, { kind: 'new', alert: { ...MDE, severity } as typeof MDE })).severity;
  };

  it('changes the CEF severity of a Graph line; a severity left out keeps its default', () => {
    const map = JSON.stringify({ high: 10, informational: 0 });
    expect(['high', 'informational', 'medium'].map((s) => severityOf({ GRAPH_CEF_SEVERITY_MAP: map }, s))).toEqual(['10', '0', '6']);
    expect(['high', 'informational', 'medium'].map((s) => severityOf({}, s))).toEqual(['8', '1', '6']);
    // Not only in the Graph mapping: compatibility mode touches Defender for Cloud Apps alerts alone (MDE here).
    expect(severityOf({ GRAPH_CEF_SEVERITY_MAP: map, GRAPH_CEF_COMPAT: 'false' }, 'high')).toBe('10');
  });
});
