// Property: every generated alert (hostile text included) becomes exactly one line that both parsers read back to its values.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CEF_OPTIONS, DEFAULT_SEVERITY_MAP } from '../../src/cef/index.js';
import { createFormatter } from '../../src/sources/mdca/cef/index.js';
import type { CefOptions } from '../../src/cef/index.js';
import { parseLine, type ParsedCef } from '../support/cef-parser.js';
import { lognormalize } from '../support/lognormalizer.js';
import { alertCase, type AlertCase } from './arbitraries.js';
import { assertTexts, assertWholeLine, expectExtension, expectHeader, type Expected } from './oracle.js';

const RUNS = 10_000;
const LIMITS: Record<string, number> = { externalId: 255, msg: 1023, suser: 1023, destinationServiceName: 1023, cs1: 4000, cs2: 4000, cs3: 4000, cs4: 4000 };
const RAW_OF: Record<string, keyof AlertCase['raw']> = { externalId: 'externalId', msg: 'msg', suser: 'suser', destinationServiceName: 'service', cs1: 'url', cs2: 'cs2', cs3: 'cs3', cs4: 'cs4' };
const ALERT_KEYS = ['externalId', 'start', 'end', 'msg', 'suser', 'destinationServiceName', 'cn1Label', 'cn1', 'cs1Label', 'cs1', 'cs2Label', 'cs2', 'cs3Label', 'cs3', 'cs4Label', 'cs4'];

interface Check {
  /** Fields (header `name`/`signatureId` and extension keys) with their oracle expectation. */
  expected: Map<string, Expected>;
  fixed: Record<string, string>;
  keys: string[];
}

function expectationsFor(c: AlertCase): Check {
  const expected = new Map<string, Expected>();
  expected.set('signatureId', expectHeader(c.raw.signature, 1023));
  expected.set('name', expectHeader(c.raw.name, 512));
  for (const [k, raw] of Object.entries(RAW_OF)) expected.set(k, expectExtension(c.raw[raw] as string, LIMITS[k]!));
  const fixed: Record<string, string> = {
    start: c.raw.start,
    end: c.raw.start,
    cn1Label: 'riskScore',
    cn1: c.raw.cn1,
    cs1Label: 'portalURL',
    cs2Label: 'uniqueServiceAppIds',
    cs3Label: 'relatedAudits',
    cs4Label: 'policyIDs',
  };
  const keys = [...ALERT_KEYS];
  if (c.raw.src !== undefined) {
    fixed.src = c.raw.src;
    keys.push('src');
  }
  if (c.raw.c6a1 !== undefined) {
    fixed.c6a1Label = '"Device IPv6 Address"';
    fixed.c6a1 = c.raw.c6a1;
    keys.push('c6a1Label', 'c6a1');
  }
  return { expected, fixed, keys };
}

let cappedLines = 0;

/** Compare one parse against the oracle. Fields cut by the whole-message cap must be prefixes, largest first. */
function verify(c: AlertCase, line: string, p: Pick<ParsedCef, 'signatureId' | 'name' | 'extension' | 'severity' | 'vendor' | 'product' | 'deviceVersion'>, keys: string[] | undefined, cap: number): void {
  // node:assert rather than expect(): this runs tens of thousands of times.
  const chk = expectationsFor(c);
  assertWholeLine(line, cap);
  assert.deepEqual([p.vendor, p.product, p.deviceVersion], ['MCAS', 'SIEM_Agent', '9.9.9']);
  assert.equal(p.severity, String(c.raw.severityValue === undefined ? 3 : DEFAULT_SEVERITY_MAP[c.raw.severityValue]));
  if (keys) assert.deepEqual(keys, chk.keys);
  assert.deepEqual(Object.keys(p.extension).sort(), [...chk.keys].sort());
  for (const [k, v] of Object.entries(chk.fixed)) assert.equal(p.extension[k], v, k);
  if (assertTexts(p, chk.expected)) cappedLines++;
}

const formatters: Array<[string, CefOptions]> = [
  ['arcsight, default 8 KiB cap', { ...DEFAULT_CEF_OPTIONS, version: '9.9.9' }],
  ['generic RFC 5424, 2 KiB cap', { ...DEFAULT_CEF_OPTIONS, version: '9.9.9', format: 'generic', hostname: 'relay-1', maxMessageBytes: 2048 }],
  ['generic RFC 3164, 3 KiB cap', { ...DEFAULT_CEF_OPTIONS, version: '9.9.9', format: 'generic', hostname: 'relay-1', maxMessageBytes: 3072, syslog: { rfc: '3164', facility: 4, severity: 6, appName: 'mdca' } }],
];

describe('round trip of generated alerts', () => {
  for (const [label, opts] of formatters) {
    it(`strict parser reads back ${RUNS} alerts (${label})`, () => {
      const f = createFormatter(opts);
      cappedLines = 0;
      fc.assert(
        fc.property(alertCase, (c) => {
          const line = f.alert(c.alert);
          const p = parseLine(line);
          expect(p.prefix.format).toBe(opts.format === 'arcsight' ? 'arcsight' : opts.syslog.rfc);
          verify(c, line, p, p.keys, opts.maxMessageBytes);
        }),
        { numRuns: label.startsWith('arcsight') ? RUNS : RUNS / 5 },
      );
      // The generator must actually reach the whole-message cap under the small caps.
      if (opts.maxMessageBytes < 8192) expect(cappedLines).toBeGreaterThan(0);
    });
  }

  it(`lognormalizer reads back ${RUNS} alerts to the same values`, () => {
    const opts: CefOptions = { ...DEFAULT_CEF_OPTIONS, version: '9.9.9', maxMessageBytes: 4096 };
    const f = createFormatter(opts);
    const cases = fc.sample(alertCase, { numRuns: RUNS });
    const lines = cases.map((c) => f.alert(c.alert));
    const results = lognormalize(lines.map((l) => parseLine(l).prefix.cef));
    const failures: string[] = [];
    results.forEach((r, i) => {
      if (!r.ok) {
        failures.push(r.raw.slice(0, 300));
        return;
      }
      try {
        verify(cases[i]!, lines[i]!, r.cef, undefined, opts.maxMessageBytes);
        // And it agrees with the strict parser field for field.
        expect(r.cef.extension).toEqual(parseLine(lines[i]!).extension);
      } catch (err) {
        failures.push(`${String(err).slice(0, 300)} :: ${lines[i]!.slice(0, 300)}`);
      }
    });
    expect(failures.slice(0, 3)).toEqual([]);
  });
});
