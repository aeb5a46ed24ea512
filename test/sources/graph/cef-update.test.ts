// Update events: the SOC's changes to an alert already sent, as events of their own a SIEM can match to the alert.
import { describe, expect, it } from 'vitest';
import { createCefWriter, DEFAULT_CEF_OPTIONS } from '../../../src/cef/index.js';
import { createGraphFormatter, DEFAULT_GRAPH_CEF_OPTIONS } from '../../../src/sources/graph/cef/index.js';
import type { GraphAlert, GraphRecord } from '../../../src/sources/graph/types.js';
import { parseLine, type ParsedCef } from '../../support/cef-parser.js';
import { lognormalize } from '../../support/lognormalizer.js';
import { MDCA, MDCA_RESOLVED, MDE, MDE_ASSIGNED, NEW_ALERTS } from './cef-fixtures/alerts.js';
import { NATIVE_CORE_KEYS } from './cef-fixtures/keys.js';

const writer = createCefWriter({ ...DEFAULT_CEF_OPTIONS, version: '1.2.3' });
const compat = createGraphFormatter(DEFAULT_GRAPH_CEF_OPTIONS, writer);
const native = createGraphFormatter({ ...DEFAULT_GRAPH_CEF_OPTIONS, compat: false }, writer);

describe('an update event', () => {
  const alertLine = parseLine(native.format({ kind: 'new', alert: MDE }));
  const updateLine = parseLine(native.format({ kind: 'update', alert: MDE_ASSIGNED }));

  it('carries the alert id of the alert line, under a distinct signature and name', () => {
    expect(updateLine.extension.externalId).toBe(alertLine.extension.externalId);
    expect(updateLine.signatureId).toBe(`update:${alertLine.signatureId}`);
    expect(updateLine.name).toBe(`Alert updated: ${alertLine.name}`);
    expect([updateLine.vendor, updateLine.product, updateLine.severity]).toEqual([alertLine.vendor, alertLine.product, alertLine.severity]);
  });

  it('is dated by lastUpdateDateTime, and keeps the activity times', () => {
    const updated = String(Date.parse('2026-11-27T12:40:00.000Z'));
    expect(updateLine.prefix.timestamp).toBe('2026-11-27T12:40:00.000Z');
    expect(updateLine.extension.rt).toBe(updated);
    expect(updateLine.extension.deviceCustomDate2).toBe(updated);
    expect([updateLine.extension.start, updateLine.extension.end]).toEqual([alertLine.extension.start, alertLine.extension.end]);
  });

  it('has the same keys as the alert line, so one parser reads both', () => {
    expect(updateLine.keys).toEqual(alertLine.keys);
    expect(updateLine.keys.slice(0, NATIVE_CORE_KEYS.length)).toEqual(NATIVE_CORE_KEYS);
  });

  it('carries the changed state: status, classification, determination, assignee, resolution time, newest comment', () => {
    const p = parseLine(native.format({ kind: 'update', alert: MDCA_RESOLVED }));
    expect(p.extension).toMatchObject({
      cs2Label: 'status', cs2: 'resolved',
      cs3Label: 'classification', cs3: 'truePositive',
      cs4Label: 'determination', cs4: 'compromisedAccount',
      cs5Label: 'assignedTo', cs5: 'soc-tier2@contoso.com',
      deviceCustomDate1Label: 'resolvedDateTime', deviceCustomDate1: String(Date.parse('2026-11-27T09:12:45.330Z')),
      reason: 'Confirmed with the user: not her. Password reset, sessions revoked.',
    });
  });

  it('falls back to createdDateTime when lastUpdateDateTime is unusable', () => {
    const p = parseLine(native.format({ kind: 'update', alert: { ...MDE_ASSIGNED, lastUpdateDateTime: 'soon' } }));
    expect(p.prefix.timestamp).toBe('2026-11-27T12:19:27.721Z');
    expect(p.extension.deviceCustomDate2).toBe('');
  });

  it('takes the newest well-formed comment and skips malformed ones', () => {
    const comments = [{ comment: 'first' }, { comment: 'second' }, null, { comment: 42 }, 'text'] as unknown as GraphAlert['comments'];
    expect(parseLine(native.format({ kind: 'update', alert: { ...MDE, comments } })).extension.reason).toBe('second');
    expect(parseLine(native.format({ kind: 'update', alert: { ...MDE, comments: [] } })).keys).not.toContain('reason');
  });

  it('in compatibility mode, a Defender for Cloud Apps update is native but carries the legacy externalId', () => {
    const alert = parseLine(compat.format({ kind: 'new', alert: MDCA }));
    const update = parseLine(compat.format({ kind: 'update', alert: MDCA_RESOLVED }));
    expect([alert.vendor, update.vendor, update.product]).toEqual(['MCAS', 'Microsoft', 'Defender for Cloud Apps']);
    expect(update.extension.externalId).toBe(alert.extension.externalId);
    expect(update.extension.externalId).toBe(MDCA.providerAlertId);
    expect(update.extension.MicrosoftGraphProviderAlertId).toBe(MDCA.providerAlertId);
    expect(update.signatureId).toBe(`update:${MDCA.detectorId}`);
  });
});

/** What a SIEM rule does: for each externalId, the state of its latest update (by lastUpdateDateTime), else the alert's. */
function siemView(lines: ParsedCef[]): Map<string, { status: string; classification: string; updates: number }> {
  const byId = new Map<string, { status: string; classification: string; updates: number; at: number }>();
  for (const p of lines) {
    const id = p.extension.externalId!;
    const isUpdate = p.signatureId.startsWith('update:');
    const cur = byId.get(id) ?? { status: 'new', classification: '', updates: 0, at: -1 };
    if (!isUpdate) {
      byId.set(id, cur);
      continue;
    }
    const at = Number(p.extension.deviceCustomDate2);
    cur.updates++;
    if (at >= cur.at) Object.assign(cur, { status: p.extension.cs2!, classification: p.extension.cs3!, at });
    byId.set(id, cur);
  }
  return new Map([...byId].map(([id, v]) => [id, { status: v.status, classification: v.classification, updates: v.updates }]));
}

describe('a SIEM closes what the SOC closed', () => {
  it('matches every update to its alert, in either mode, whatever the order lines arrive in', () => {
    for (const f of [compat, native]) {
      const records: GraphRecord[] = [];
      let minute = 0;
      const at = () => new Date(Date.UTC(2026, 10, 28, 0, minute++)).toISOString().replace('Z', '0000Z');
      for (const alert of Object.values(NEW_ALERTS)) {
        records.push({ kind: 'new', alert });
        records.push({ kind: 'update', alert: { ...alert, status: 'inProgress', lastUpdateDateTime: at() } });
        records.push({ kind: 'update', alert: { ...alert, status: 'resolved', classification: 'falsePositive', lastUpdateDateTime: at(), resolvedDateTime: at() } });
      }
      // Arrival order shuffled deterministically (updates before their alert, late ones last).
      const lines = records.map((r) => f.format(r)).map((l, i) => [((i * 7919) % records.length), l] as const).sort((a, b) => a[0] - b[0]).map(([, l]) => parseLine(l));
      const view = siemView(lines);
      expect(view.size).toBe(Object.keys(NEW_ALERTS).length);
      for (const v of view.values()) expect(v).toEqual({ status: 'resolved', classification: 'falsePositive', updates: 2 });
      const ln = lognormalize(lines.map((p) => p.prefix.cef));
      ln.forEach((r, i) => {
        expect(r.ok).toBe(true);
        if (r.ok) expect(r.cef.extension).toEqual(lines[i]!.extension);
      });
    }
  });
});
