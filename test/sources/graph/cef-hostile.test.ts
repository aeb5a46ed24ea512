// Hostile Graph alerts: attacker text, wrong types and huge inputs never break, forge or lose an event.
import { describe, expect, it } from 'vitest';
import { createCefWriter, DEFAULT_CEF_OPTIONS, type CefOptions } from '../../../src/cef/index.js';
import { createGraphFormatter, DEFAULT_GRAPH_CEF_OPTIONS } from '../../../src/sources/graph/cef/index.js';
import type { GraphAlert, GraphEvidence, GraphRecord } from '../../../src/sources/graph/types.js';
import { parseLine } from '../../support/cef-parser.js';
import { lognormalize } from '../../support/lognormalizer.js';
import { MDCA, MDE, MDO, NEW_ALERTS, XDR } from './cef-fixtures/alerts.js';
import { COMPAT_KEYS, NATIVE_CORE_KEYS } from './cef-fixtures/keys.js';

const OPTS: CefOptions = { ...DEFAULT_CEF_OPTIONS, version: '1.0' };
const writer = createCefWriter(OPTS);
const native = createGraphFormatter({ ...DEFAULT_GRAPH_CEF_OPTIONS, compat: false }, writer);
const compat = createGraphFormatter(DEFAULT_GRAPH_CEF_OPTIONS, writer);
const MB = 'A'.repeat(1 << 20);

/** [label, raw text, what a parser must read back from an extension value] */
const CORPUS: Array<[string, string, string]> = [
  ['newline forging a second event', 'x\nCEF:0|Microsoft|Defender XDR|1|EVIL|forged|10|act=pwned', 'x\nCEF:0|Microsoft|Defender XDR|1|EVIL|forged|10|act=pwned'],
  ['CRLF', 'a\r\nb', 'a\r\nb'],
  ['= forging keys', 'hello cs2=resolved externalId=other', 'hello cs2=resolved externalId=other'],
  ['pipes', '|a|b|c|', '|a|b|c|'],
  ['trailing backslash', 'ends with \\', 'ends with \\'],
  ['backslash before n and =', '\\n \\= \\\\', '\\n \\= \\\\'],
  ['NUL and controls', 'a\0b\x01c\x1bd\x7fe\x85f\tg', 'a\uFFFDb\uFFFDc\uFFFDd\uFFFDe\uFFFDf\uFFFDg'],
  ['lone surrogates', 'x\ud800y\udc00z\udbff', 'x\uFFFDy\uFFFDz\uFFFD'],
  ['RTL override', '\u202egnp.exe', '\u202egnp.exe'],
  ['emoji', '👨‍👩‍👧 🔥', '👨‍👩‍👧 🔥'],
];

/** Every text field of the alert and of one item of each evidence kind set to `t`. */
function alertWith(t: string): GraphAlert {
  const ev = (type: string, rest: Partial<GraphEvidence>): GraphEvidence => ({ '@odata.type': `#microsoft.graph.security.${type}`, ...rest });
  return {
    id: t, providerAlertId: t, incidentId: t, status: t, severity: 'high', classification: t, determination: t,
    serviceSource: 'microsoftDefenderForEndpoint', detectionSource: t, detectorId: t, tenantId: t, title: t, description: t,
    category: t, assignedTo: t, alertWebUrl: t, incidentWebUrl: t, actorDisplayName: t, threatDisplayName: t, threatFamilyName: t,
    mitreTechniques: [t], createdDateTime: '2026-11-27T12:00:00Z', lastUpdateDateTime: '2026-11-27T12:00:00Z', comments: [{ comment: t }],
    evidence: [
      ev('userEvidence', { userAccount: { userPrincipalName: t, userSid: t, azureAdUserId: t, domainName: t } }),
      ev('deviceEvidence', { deviceDnsName: t, mdeDeviceId: t }),
      ev('ipEvidence', { ipAddress: t }),
      ev('fileEvidence', { fileDetails: { fileName: t, filePath: t, sha256: t, sha1: t } }),
      ev('processEvidence', { processCommandLine: t, imageFile: { fileName: t }, parentProcessImageFile: { fileName: t } }),
      ev('urlEvidence', { url: t }),
      ev('mailboxEvidence', { primaryAddress: t }),
      ev('analyzedMessageEvidence', { subject: t, networkMessageId: t, p1Sender: { emailAddress: t } }),
      ev('cloudApplicationEvidence', { displayName: t }),
      ev('userEvidence', { userAccount: { userPrincipalName: t } }),
    ],
  };
}

const TEXT_KEYS = [
  'externalId', 'msg', 'cat', 'deviceExternalId', 'sourceServiceName', 'cs1', 'cs2', 'cs3', 'cs4', 'cs5', 'cs6', 'flexString2', 'reason',
  'MicrosoftGraphIncidentWebUrl', 'MicrosoftGraphProviderAlertId', 'MicrosoftGraphThreatName', 'MicrosoftGraphThreatFamily', 'MicrosoftGraphActor',
  'suser', 'suid', 'sntdom', 'MicrosoftGraphAadUserId', 'shost', 'MicrosoftGraphDeviceId', 'fname', 'filePath', 'fileHash', 'MicrosoftGraphFileSha1',
  'sproc', 'dproc', 'MicrosoftGraphCommandLine', 'request', 'duser', 'MicrosoftGraphEmailSender', 'MicrosoftGraphEmailSubject',
  'MicrosoftGraphNetworkMessageId', 'destinationServiceName',
];

describe('hostile text in every field', () => {
  it.each(CORPUS)('%s: one line, every field reads back exactly, nothing forged', (_label, raw, want) => {
    for (const kind of ['new', 'update'] as const) {
      const line = native.format({ kind, alert: alertWith(raw) });
      expect(line).not.toMatch(/[\r\n\0]/);
      const p = parseLine(line);
      for (const k of TEXT_KEYS) expect(p.extension[k], k).toBe(want);
      // The ipEvidence is not an address: listed as text, not written to src.
      expect(p.extension.MicrosoftGraphMoreEvidence).toBe(`ip:${want}; user:${want}`);
      expect(p.name).toBe((kind === 'update' ? 'Alert updated: ' : '') + want.replace(/[\r\n]/g, ' '));
      expect(p.signatureId).toBe((kind === 'update' ? 'update:' : '') + want.replace(/[\r\n]/g, ' '));
      expect(p.extension.src).toBeUndefined(); // not an address
      expect(p.extension.act).toBeUndefined();
      expect([p.vendor, p.product, p.severity]).toEqual(['Microsoft', 'Defender for Endpoint', '8']);
    }
  });

  it('in compatibility mode too', () => {
    for (const [, raw, want] of CORPUS) {
      const p = parseLine(compat.format({ kind: 'new', alert: { ...alertWith(raw), serviceSource: 'microsoftDefenderForCloudApps' } }));
      expect(p.keys).toEqual(COMPAT_KEYS);
      for (const k of ['externalId', 'msg', 'suser', 'destinationServiceName', 'cs1', 'cs4']) expect(p.extension[k], k).toBe(want);
      expect(p.name).toBe(want.replace(/[\r\n]/g, ' '));
    }
  });

  it('lognormalizer reads the whole corpus to the same values as the strict parser', () => {
    const lines = CORPUS.flatMap(([, raw]) => [native.format({ kind: 'new', alert: alertWith(raw) }), compat.format({ kind: 'new', alert: { ...alertWith(raw), serviceSource: 'microsoftDefenderForCloudApps' } })]);
    const ln = lognormalize(lines.map((l) => parseLine(l).prefix.cef));
    ln.forEach((r, i) => {
      expect(r.ok, lines[i]).toBe(true);
      if (r.ok) {
        const p = parseLine(lines[i]!);
        expect(r.cef.extension).toEqual(p.extension);
        expect([r.cef.name, r.cef.signatureId]).toEqual([p.name, p.signatureId]);
      }
    });
  });
});

const WRONG: unknown[] = [null, undefined, 0, -1, 1.5, NaN, Infinity, true, '', [], [1, 'a', null], {}, { a: { b: 1 } }, '2026-13-45T99:99:99Z'];

describe('wrong types everywhere', () => {
  it('records that are not {kind, alert} still give one valid native line with every core key', () => {
    const records = [null, undefined, 42, 'x', [], {}, { kind: 'weird' }, { kind: 'update' }, { alert: [] }, { alert: 'x' }, { alert: null }, { kind: 'new', alert: 7 }];
    for (const r of records) {
      const p = parseLine(native.format(r as unknown as GraphRecord));
      expect(p.keys).toEqual(NATIVE_CORE_KEYS);
      expect([p.vendor, p.product, p.signatureId, p.severity]).toEqual(['Microsoft', 'unknown', (r as { kind?: string })?.kind === 'update' ? 'update:alert' : 'alert', '3']);
      expect(p.prefix.timestamp).toBe('1970-01-01T00:00:00.000Z');
    }
  });

  it('any value in any alert field: one valid line, text from strings and numbers only', () => {
    const fields = Object.keys(XDR).filter((k) => k !== 'evidence');
    for (const alert of Object.values(NEW_ALERTS))
      for (const field of [...fields, 'evidence'])
        for (const value of WRONG)
          for (const f of [native, compat]) {
            const line = f.format({ kind: 'new', alert: { ...alert, [field]: value } as GraphAlert });
            const p = parseLine(line);
            if (field === 'title') expect(p.name).toBe(typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value)) ? String(value) : '');
            if (field === 'createdDateTime' && p.keys.includes('rt')) expect(p.extension.rt).toBe('');
          }
  });

  it('any value in any evidence field: one valid line; wrong values are left out, not written', () => {
    for (const alert of [MDE, MDO, XDR, MDCA])
      for (let i = 0; i < alert.evidence!.length; i++)
        for (const field of new Set([...Object.keys(alert.evidence![i]!), 'userAccount', 'fileDetails', 'imageFile', 'roles']))
          for (const value of WRONG) {
            const evidence = alert.evidence!.map((e, j) => (j === i ? { ...e, [field]: value } : e));
            for (const f of [native, compat]) {
              const p = parseLine(f.format({ kind: 'new', alert: { ...alert, evidence } }));
              for (const k of ['fsize', 'spid', 'dpid', 'MicrosoftGraphMoreEvidenceCount']) if (k in p.extension) expect(p.extension[k], k).toMatch(/^\d+$/);
              for (const k of ['src', 'dst']) if (k in p.extension) expect(p.extension[k], k).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
            }
          }
    // Items that are not objects at all, and an evidence list that is not a list.
    for (const evidence of [[null, 1, 'x', [], true], 'evidence', { 0: {} }]) {
      const p = parseLine(native.format({ kind: 'new', alert: { ...XDR, evidence } as unknown as GraphAlert }));
      expect(p.keys).not.toContain('suser');
      expect(p.keys.slice(0, NATIVE_CORE_KEYS.length)).toEqual(NATIVE_CORE_KEYS);
    }
  });

  it('timestamps are read only in the ISO-8601 form with a zone', () => {
    const rt = (createdDateTime: unknown) => parseLine(native.format({ kind: 'new', alert: { ...MDE, createdDateTime } as GraphAlert })).extension.rt;
    expect(rt('2026-11-27T12:19:27.7211305Z')).toBe(String(Date.UTC(2026, 10, 27, 12, 19, 27, 721)));
    expect(rt('2026-11-27T12:19:27Z')).toBe(String(Date.UTC(2026, 10, 27, 12, 19, 27)));
    expect(rt('2026-11-27T14:19:27.5+02:00')).toBe(String(Date.UTC(2026, 10, 27, 12, 19, 27, 500)));
    for (const bad of ['2026-11-27 12:19:27', '2026-11-27T12:19:27', 'Fri, 27 Nov 2026 12:19:27 GMT', '2026-02-30T00:00:00Z', '2026-11-27T24:00:00Z', '+275760-09-13T00:00:00Z', '1969-12-31T23:59:59Z', 1795781967721])
      expect(rt(bad), String(bad)).toBe('');
  });
});

describe('size', () => {
  it('1 MB strings in every field: one line under the cap, free text cut at the dictionary limits, fixed keys intact', () => {
    for (const f of [native, compat]) {
      const line = f.format({ kind: 'new', alert: { ...alertWith(MB), serviceSource: f === compat ? 'microsoftDefenderForCloudApps' : 'microsoftDefenderForEndpoint', ipAddress: undefined } as GraphAlert });
      expect(Buffer.byteLength(line)).toBeLessThanOrEqual(8192);
      expect(Buffer.byteLength(line)).toBeGreaterThan(8192 - 200);
      const p = parseLine(line);
      expect(p.keys.slice(0, f === native ? NATIVE_CORE_KEYS.length : COMPAT_KEYS.length)).toEqual(f === native ? NATIVE_CORE_KEYS : COMPAT_KEYS);
      if (f === native) expect(p.extension).toMatchObject({ cs1Label: 'incidentId', cs6Label: 'mitreTechniques', flexString2Label: 'alertWebUrl', rt: String(Date.UTC(2026, 10, 27, 12)) });
      // Not text from the record: labels, times, the serviceSource, compat's empty riskScore and relatedAudits, app tokens (no app id here).
      const notText = f === native ? /Label$|^(rt|start|end|deviceCustomDate\d|deviceFacility|MicrosoftGraphMoreEvidence(Count)?)$/ : /Label$|^(start|end|cn1|cs2|cs3)$/;
      for (const k of p.keys) if (!notText.test(k)) expect(p.extension[k], k).toMatch(/^A+$/);
      if (f === native) expect(p.extension.MicrosoftGraphMoreEvidence).toMatch(/^ip:A+$/); // the list is cut too (the user after it is gone)
    }
  });

  it('a 1 MB description of escapes is cut between escapes, never inside one', () => {
    for (const ch of ['\\', '=', '\n', '😀', 'é']) {
      const msg = parseLine(native.format({ kind: 'new', alert: { ...MDE, description: ch.repeat(1 << 19) } })).extension.msg!;
      expect(msg).toBe(ch.repeat(msg.length / ch.length));
      const escaped = Buffer.byteLength(ch === '\\' || ch === '=' || ch === '\n' ? `\\${ch}` : ch);
      expect((msg.length / ch.length) * escaped).toBeLessThanOrEqual(1023);
      expect((msg.length / ch.length + 1) * escaped).toBeGreaterThan(1023);
    }
  });

  it('100,000 evidence items and 100,000 techniques: one line under the cap, the further items counted', () => {
    const kinds = ['userEvidence', 'deviceEvidence', 'ipEvidence', 'fileEvidence', 'urlEvidence', 'registryKeyEvidence'];
    const evidence = Array.from({ length: 100_000 }, (_, i) => ({
      '@odata.type': `#microsoft.graph.security.${kinds[i % kinds.length]}`,
      userAccount: { userPrincipalName: `u${i}@contoso.com` }, deviceDnsName: `host${i}`, ipAddress: `10.0.${(i >> 8) & 255}.${i & 255}`,
      fileDetails: { sha256: i.toString(16).padStart(64, '0') }, url: `https://x/${i}`, registryKey: `K${i}`,
    }));
    const mitreTechniques = Array.from({ length: 100_000 }, (_, i) => `T${1000 + (i % 9000)}`);
    const line = native.format({ kind: 'new', alert: { ...XDR, evidence, mitreTechniques } });
    expect(Buffer.byteLength(line)).toBeLessThanOrEqual(8192);
    const p = parseLine(line);
    expect(p.extension.cs6!.split(',').length).toBeLessThanOrEqual(200);
    expect(p.extension.suser).toBe('u0@contoso.com');
    expect(p.extension.src).toBe('10.0.0.2');
    // 5,000 scanned: 6 first items in standard keys; 50 listed; the rest counted.
    expect(p.extension.MicrosoftGraphMoreEvidenceCount).toBe(String(100_000 - 5));
  });

  it('the fixed parts of the fullest line fit the smallest cap (2048 bytes) with the longest syslog header', () => {
    const full: GraphAlert = {
      ...alertWith(MB),
      evidence: [
        { '@odata.type': '#microsoft.graph.security.ipEvidence', ipAddress: '1111:2222:3333:4444:5555:6666:123.123.123.123' },
        { '@odata.type': '#microsoft.graph.security.ipEvidence', ipAddress: '255.255.255.255' },
        { '@odata.type': '#microsoft.graph.security.ipEvidence', ipAddress: '255.255.255.254', roles: ['destination'] },
        { '@odata.type': '#microsoft.graph.security.ipEvidence', ipAddress: '1111:2222:3333:4444:5555:6666:123.123.123.124', roles: ['destination'] },
        { '@odata.type': '#microsoft.graph.security.processEvidence', processId: Number.MAX_SAFE_INTEGER, parentProcessId: Number.MAX_SAFE_INTEGER, imageFile: { fileName: MB, fileSize: Number.MAX_SAFE_INTEGER } },
        { '@odata.type': '#microsoft.graph.security.fileEvidence', fileDetails: { fileName: MB, fileSize: Number.MAX_SAFE_INTEGER } },
        ...alertWith(MB).evidence!,
      ],
      createdDateTime: '9999-12-31T23:59:59.999Z', lastUpdateDateTime: '9999-12-31T23:59:59.999Z', resolvedDateTime: '9999-12-31T23:59:59.999Z',
      firstActivityDateTime: '9999-12-31T23:59:59.999Z', lastActivityDateTime: '9999-12-31T23:59:59.999Z',
    };
    const w = createCefWriter({ ...OPTS, format: 'generic', hostname: 'h'.repeat(255), version: 'v'.repeat(31), maxMessageBytes: 2048, syslog: { ...OPTS.syslog, appName: 'a'.repeat(48) } });
    for (const kind of ['new', 'update'] as const) {
      const line = createGraphFormatter({ ...DEFAULT_GRAPH_CEF_OPTIONS, compat: false }, w).format({ kind, alert: { ...full, serviceSource: 'microsoftInsiderRiskManagement' } });
      expect(Buffer.byteLength(line)).toBeLessThanOrEqual(2048);
      const p = parseLine(line);
      for (const k of ['src', 'dst', 'c6a2', 'c6a3', 'fsize', 'spid', 'dpid', 'MicrosoftGraphMoreEvidenceCount', 'deviceCustomDate1']) expect(p.extension[k], k).toMatch(/\d/);
    }
  });
});
