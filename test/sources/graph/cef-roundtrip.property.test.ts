// Property: every generated Graph record (hostile text, wrong types, any evidence) becomes exactly one
// line that both parsers read back to the values an independent oracle expects, under any cap.
import assert from 'node:assert/strict';
import net from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createCefWriter, DEFAULT_CEF_OPTIONS, type CefOptions } from '../../../src/cef/index.js';
import { createGraphFormatter, DEFAULT_GRAPH_CEF_OPTIONS, DEFAULT_GRAPH_SEVERITY_MAP, PRODUCT_BY_SERVICE_SOURCE } from '../../../src/sources/graph/cef/index.js';
import type { GraphRecord } from '../../../src/sources/graph/types.js';
import { parseLine, type ParsedCef } from '../../support/cef-parser.js';
import { lognormalize } from '../../support/lognormalizer.js';
import { assertTexts, assertWholeLine, expectExtension, expectHeader, type Expected } from '../../cef/oracle.js';
import { graphRecord, type GeneratedRecord } from './cef-fixtures/arbitraries.js';
import { COMPAT_KEYS, NATIVE_CORE_KEYS } from './cef-fixtures/keys.js';

const RUNS = 3000;

// ---- The oracle: written from docs/graph-cef.md, not from src/sources/graph/cef. ----
type Rec = Record<string, unknown>;
const isObj = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);
/** Text of a field: strings as they are, finite numbers in decimal, else empty. */
const text = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : '');
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const GRAPH_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.(\d{3})\d{4}Z$/;
/** Only the generator's own valid form is a time (the hostile texts never match it). */
const time = (v: unknown): string => {
  const m = typeof v === 'string' ? GRAPH_TIME.exec(v) : null;
  return m ? String(Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.${m[7]}Z`)) : '';
};
/** The first 512 UTF-16 units, without a split surrogate pair at the end. */
const cut512 = (s: string): string => (s.length <= 512 ? s : /[\ud800-\udbff]$/.test(s.slice(0, 512)) ? s.slice(0, 511) : s.slice(0, 512));

interface Oracle {
  vendor: string;
  product: string;
  severity: string;
  keys: string[];
  /** Free-text fields: header `signatureId`/`name` and extension keys, with the dictionary-limited value. */
  texts: Map<string, Expected>;
  /** Values that are never trimmed. */
  fixed: Record<string, string>;
}

function evidenceView(evidence: unknown) {
  const v = { user: undefined as { name?: string; sid?: string } | undefined, url: undefined as string | undefined, src4: undefined as string | undefined, src6: undefined as string | undefined, dst4: undefined as string | undefined, dst6: undefined as string | undefined, more: [] as string[] };
  if (!Array.isArray(evidence)) return v;
  for (const item of evidence) {
    if (!isObj(item)) continue;
    const type = typeof item['@odata.type'] === 'string' ? item['@odata.type'] : '';
    const kind = type.slice(type.lastIndexOf('.') + 1);
    if (kind === 'userEvidence') {
      if (!isObj(item.userAccount)) continue;
      const u = { name: str(item.userAccount.userPrincipalName), sid: str(item.userAccount.userSid) };
      if (u.name === undefined && u.sid === undefined) continue;
      if (v.user === undefined) v.user = u;
      else v.more.push(`user:${cut512((u.name ?? u.sid)!)}`);
    } else if (kind === 'urlEvidence') {
      const url = str(item.url);
      if (v.url === undefined) v.url = url;
      else if (url !== undefined) v.more.push(`url:${cut512(url)}`);
    } else if (kind === 'ipEvidence') {
      const a = item.ipAddress;
      const dst = Array.isArray(item.roles) && item.roles.some((r) => r === 'destination' || r === 'commandAndControl');
      const a4 = typeof a === 'string' && net.isIPv4(a) ? a : undefined;
      const a6 = typeof a === 'string' && a4 === undefined && net.isIPv6(a) && !a.includes('%') ? a : undefined;
      const slot = dst ? (a4 !== undefined ? 'dst4' : a6 !== undefined ? 'dst6' : undefined) : a4 !== undefined ? 'src4' : a6 !== undefined ? 'src6' : undefined;
      if (slot !== undefined && v[slot] === undefined) v[slot] = (a4 ?? a6)!;
      else if (str(a) !== undefined) v.more.push(`ip:${cut512(a as string)}`);
    } else if (kind !== '') {
      const name = kind.replace(/Evidence$/, '');
      if (/^[A-Za-z0-9]{1,64}$/.test(name) && str(item.displayName) !== undefined) v.more.push(`${name}:${cut512(item.displayName as string)}`);
    }
  }
  return v;
}

function oracle(r: GeneratedRecord, compat: boolean): Oracle {
  const a = r.alert as Rec;
  const update = r.kind === 'update';
  const ev = evidenceView(a.evidence);
  const texts = new Map<string, Expected>();
  const fixed: Record<string, string> = {};
  const severityWord = typeof a.severity === 'string' && ['informational', 'low', 'medium', 'high'].includes(a.severity) ? a.severity : 'unknown';
  const severity = String(DEFAULT_GRAPH_SEVERITY_MAP[severityWord as keyof typeof DEFAULT_GRAPH_SEVERITY_MAP]);

  if (compat && a.serviceSource === 'microsoftDefenderForCloudApps' && !update) {
    // The legacy layout (docs/graph-cef.md, "Compatibility mode").
    const desc = typeof a.description === 'string' ? a.description : '';
    const sig = typeof a.detectorId === 'string' && /^ALERT_[A-Z0-9_]{1,120}$/.test(a.detectorId) ? a.detectorId
      : desc.startsWith('Activity policy') ? 'ALERT_CABINET_EVENT_MATCH_AUDIT' : desc.startsWith('File policy') ? 'ALERT_CABINET_EVENT_MATCH_FILE'
        : desc.startsWith('Session policy') ? 'ALERT_CABINET_INLINE_EVENT_MATCH' : 'ALERT';
    texts.set('signatureId', expectHeader(sig, 1023));
    texts.set('name', expectHeader(text(a.title), 512));
    texts.set('externalId', expectExtension(str(a.providerAlertId) ?? text(a.id), 255));
    texts.set('msg', expectExtension(text(a.description), 1023));
    texts.set('suser', expectExtension(ev.user?.name ?? '', 1023));
    texts.set('cs1', expectExtension(text(a.alertWebUrl), 4000));
    texts.set('cs4', expectExtension(text(a.detectorId), 4000));
    const t = time(a.createdDateTime);
    Object.assign(fixed, { start: t, end: t, destinationServiceName: '', cn1Label: 'riskScore', cn1: '', cs1Label: 'portalURL', cs2Label: 'uniqueServiceAppIds', cs2: '', cs3Label: 'relatedAudits', cs3: '', cs4Label: 'policyIDs' });
    const keys = [...COMPAT_KEYS];
    const v4 = ev.src4 ?? ev.dst4;
    const v6 = ev.src6 ?? ev.dst6;
    if (v4 !== undefined) {
      keys.push('src');
      fixed.src = v4;
    }
    if (v6 !== undefined) {
      keys.push('c6a1Label', 'c6a1');
      Object.assign(fixed, { c6a1Label: '"Device IPv6 Address"', c6a1: v6 });
    }
    // Compat severity comes from the legacy map, whose defaults are the same numbers.
    return { vendor: 'MCAS', product: 'SIEM_Agent', severity, keys, texts, fixed };
  }

  const ss = a.serviceSource;
  const product = typeof ss === 'string' ? (Object.hasOwn(PRODUCT_BY_SERVICE_SOURCE, ss) ? PRODUCT_BY_SERVICE_SOURCE[ss]! : /^[A-Za-z0-9]{1,63}$/.test(ss) ? ss : 'unknown') : 'unknown';
  const signature = text(a.detectorId) || text(a.category) || 'alert';
  texts.set('signatureId', expectHeader((update ? 'update:' : '') + signature, 1023));
  texts.set('name', expectHeader((update ? 'Alert updated: ' : '') + text(a.title), 512));
  const externalId = compat && update && ss === 'microsoftDefenderForCloudApps' ? (str(a.providerAlertId) ?? text(a.id)) : text(a.id);
  texts.set('externalId', expectExtension(externalId, 255));
  const plain: Array<[string, unknown, number]> = [
    ['msg', a.description, 1023], ['cat', a.category, 1023], ['deviceExternalId', a.tenantId, 1023], ['deviceFacility', a.serviceSource, 1023],
    ['sourceServiceName', a.detectionSource, 1023], ['cs1', a.incidentId, 4000], ['cs2', a.status, 4000], ['cs3', a.classification, 4000],
    ['cs4', a.determination, 4000], ['cs5', a.assignedTo, 4000], ['flexString2', a.alertWebUrl, 1023],
  ];
  for (const [k, v, limit] of plain) texts.set(k, expectExtension(text(v), limit));
  const techniques = Array.isArray(a.mitreTechniques) ? a.mitreTechniques.filter((t): t is string => typeof t === 'string' && t !== '') : [];
  texts.set('cs6', expectExtension(techniques.join(','), 4000));
  const created = time(a.createdDateTime);
  const rt = update && time(a.lastUpdateDateTime) !== '' ? time(a.lastUpdateDateTime) : created;
  const start = time(a.firstActivityDateTime) || created;
  Object.assign(fixed, {
    rt, start, end: time(a.lastActivityDateTime) || start, deviceCustomDate1: time(a.resolvedDateTime), deviceCustomDate2: time(a.lastUpdateDateTime),
    cs1Label: 'incidentId', cs2Label: 'status', cs3Label: 'classification', cs4Label: 'determination', cs5Label: 'assignedTo', cs6Label: 'mitreTechniques',
    flexString2Label: 'alertWebUrl', deviceCustomDate1Label: 'resolvedDateTime', deviceCustomDate2Label: 'lastUpdateDateTime',
  });
  const keys = [...NATIVE_CORE_KEYS];
  const opt = (k: string, raw: string | undefined, limit = 1023) => {
    if (raw === undefined || raw === '') return;
    keys.push(k);
    texts.set(k, expectExtension(raw, limit));
  };
  let comment: string | undefined;
  if (Array.isArray(a.comments)) for (const c of a.comments) if (isObj(c) && typeof c.comment === 'string') comment = c.comment;
  opt('reason', comment);
  opt('MicrosoftGraphIncidentWebUrl', text(a.incidentWebUrl));
  opt('MicrosoftGraphProviderAlertId', text(a.providerAlertId));
  opt('MicrosoftGraphThreatName', text(a.threatDisplayName));
  opt('MicrosoftGraphActor', text(a.actorDisplayName));
  opt('suser', ev.user?.name);
  opt('suid', ev.user?.sid);
  const fix = (k: string, v: string | undefined): void => {
    if (v === undefined) return;
    keys.push(k);
    fixed[k] = v;
  };
  fix('src', ev.src4);
  fix('dst', ev.dst4);
  if (ev.src6 !== undefined) {
    fix('c6a2Label', 'Source IPv6 Address');
    fix('c6a2', ev.src6);
  }
  if (ev.dst6 !== undefined) {
    fix('c6a3Label', 'Destination IPv6 Address');
    fix('c6a3', ev.dst6);
  }
  opt('request', ev.url);
  if (ev.more.length > 0) {
    opt('MicrosoftGraphMoreEvidence', ev.more.join('; '), 4000);
    fix('MicrosoftGraphMoreEvidenceCount', String(ev.more.length));
  }
  return { vendor: 'Microsoft', product, severity, keys, texts, fixed };
}

// ---- The check. ----
let cappedLines = 0;

function verify(o: Oracle, line: string, p: Omit<ParsedCef, 'version' | 'keys'>, keys: string[] | undefined, cap: number): void {
  assertWholeLine(line, cap);
  assert.deepEqual([p.vendor, p.product, p.deviceVersion, p.severity], [o.vendor, o.product, '9.9.9', o.severity]);
  if (keys) assert.deepEqual(keys, o.keys);
  assert.deepEqual(Object.keys(p.extension).sort(), [...o.keys].sort());
  for (const [k, v] of Object.entries(o.fixed)) assert.equal(p.extension[k], v, k);
  if (assertTexts(p, o.texts)) cappedLines++;
}

const writers: Array<[string, CefOptions, number]> = [
  ['arcsight, default 8 KiB cap', { ...DEFAULT_CEF_OPTIONS, version: '9.9.9' }, RUNS],
  ['generic RFC 5424, 2 KiB cap', { ...DEFAULT_CEF_OPTIONS, version: '9.9.9', format: 'generic', hostname: 'relay-1', maxMessageBytes: 2048 }, Math.floor(RUNS / 3)],
  ['generic RFC 3164, 3 KiB cap', { ...DEFAULT_CEF_OPTIONS, version: '9.9.9', format: 'generic', hostname: 'relay-1', maxMessageBytes: 3072, syslog: { rfc: '3164', facility: 4, severity: 6, appName: 'graph' } }, Math.floor(RUNS / 3)],
];

describe('round trip of generated Graph records', () => {
  for (const [label, opts, runs] of writers) {
    for (const compat of [true, false]) {
      it(`the strict parser reads back ${runs} records as the oracle says (${label}, compat ${compat})`, () => {
        const f = createGraphFormatter({ ...DEFAULT_GRAPH_CEF_OPTIONS, compat }, createCefWriter(opts));
        cappedLines = 0;
        fc.assert(
          fc.property(graphRecord, (r) => {
            const line = f.format(r as unknown as GraphRecord);
            const p = parseLine(line);
            verify(oracle(r, compat), line, p, p.keys, opts.maxMessageBytes);
          }),
          { numRuns: runs },
        );
        if (opts.maxMessageBytes < 8192) expect(cappedLines).toBeGreaterThan(0);
      });
    }
  }

  it(`lognormalizer reads back ${RUNS} records to the same values`, () => {
    const opts: CefOptions = { ...DEFAULT_CEF_OPTIONS, version: '9.9.9', maxMessageBytes: 4096 };
    const f = createGraphFormatter(DEFAULT_GRAPH_CEF_OPTIONS, createCefWriter(opts));
    const cases = fc.sample(graphRecord, { numRuns: RUNS });
    const lines = cases.map((r) => f.format(r as unknown as GraphRecord));
    const results = lognormalize(lines.map((l) => parseLine(l).prefix.cef));
    const failures: string[] = [];
    results.forEach((r, i) => {
      if (!r.ok) return void failures.push(r.raw.slice(0, 300));
      try {
        verify(oracle(cases[i]!, true), lines[i]!, r.cef, undefined, opts.maxMessageBytes);
        expect(r.cef.extension).toEqual(parseLine(lines[i]!).extension);
      } catch (err) {
        failures.push(`${String(err).slice(0, 300)} :: ${lines[i]!.slice(0, 300)}`);
      }
    });
    expect(failures.slice(0, 3)).toEqual([]);
  });
});
