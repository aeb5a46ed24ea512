// Graph alerts as CEF: golden lines for each serviceSource, read back by the strict parser and by lognormalizer.
import { describe, expect, it } from 'vitest';
import { createCefWriter, DEFAULT_CEF_OPTIONS, type CefOptions } from '../../../src/cef/index.js';
import { createGraphFormatter, DEFAULT_GRAPH_CEF_OPTIONS, PRODUCT_BY_SERVICE_SOURCE } from '../../../src/sources/graph/cef/index.js';
import type { GraphAlert, GraphEvidence } from '../../../src/sources/graph/types.js';
import { parseLine } from '../../support/cef-parser.js';
import { lognormalize } from '../../support/lognormalizer.js';
import { MDCA, MDCA_RESOLVED, MDE, MDE_ASSIGNED, NEW_ALERTS, XDR } from './cef-fixtures/alerts.js';
import { GOLDEN } from './cef-fixtures/golden.js';
import { NATIVE_CORE_KEYS } from './cef-fixtures/keys.js';

const OPTS: CefOptions = { ...DEFAULT_CEF_OPTIONS, version: '1.2.3' };
const writer = createCefWriter(OPTS);
const native = createGraphFormatter({ ...DEFAULT_GRAPH_CEF_OPTIONS, compat: false }, writer);
const compat = createGraphFormatter(DEFAULT_GRAPH_CEF_OPTIONS, writer);


const lines: Record<string, string> = {};
for (const [name, alert] of Object.entries(NEW_ALERTS)) lines[name] = native.format({ kind: 'new', alert });
lines.MDCA_COMPAT = compat.format({ kind: 'new', alert: MDCA });
lines.MDCA_RESOLVED_UPDATE = native.format({ kind: 'update', alert: MDCA_RESOLVED });
lines.MDCA_RESOLVED_UPDATE_COMPAT = compat.format({ kind: 'update', alert: MDCA_RESOLVED });
lines.MDE_ASSIGNED_UPDATE = native.format({ kind: 'update', alert: MDE_ASSIGNED });

describe('golden lines', () => {
  it('cover every fixture', () => expect(Object.keys(lines).sort()).toEqual(Object.keys(GOLDEN).sort()));

  for (const name of Object.keys(GOLDEN)) {
    it(`${name} is byte for byte the reviewed line`, () => expect(lines[name]).toBe(GOLDEN[name]));
  }

  it('strict parser and lognormalizer read every golden line to the same fields', () => {
    const parsed = Object.values(GOLDEN).map((l) => parseLine(l));
    const ln = lognormalize(parsed.map((p) => p.prefix.cef));
    parsed.forEach((p, i) => {
      const r = ln[i]!;
      expect(r.ok, p.prefix.cef).toBe(true);
      if (r.ok) {
        expect(r.cef.extension).toEqual(p.extension);
        expect([r.cef.vendor, r.cef.product, r.cef.signatureId, r.cef.name, r.cef.severity]).toEqual([p.vendor, p.product, p.signatureId, p.name, p.severity]);
      }
    });
  });
});

describe('native mapping', () => {
  it('names the product that raised the alert, under vendor Microsoft', () => {
    for (const [name, alert] of Object.entries(NEW_ALERTS)) {
      const p = parseLine(lines[name]!);
      expect([p.vendor, p.product, p.deviceVersion]).toEqual(['Microsoft', PRODUCT_BY_SERVICE_SOURCE[alert.serviceSource!], '1.2.3']);
    }
  });

  it('starts every line with the core keys in their order, then only keys the alert has', () => {
    for (const name of Object.keys(NEW_ALERTS)) {
      const p = parseLine(lines[name]!);
      expect(p.keys.slice(0, NATIVE_CORE_KEYS.length)).toEqual(NATIVE_CORE_KEYS);
      for (const k of p.keys.slice(NATIVE_CORE_KEYS.length)) expect(p.extension[k], `${name} ${k}`).not.toBe('');
    }
  });

  it('maps the alert fields: signature = detectorId, name = title, times, ids, links, triage state', () => {
    const p = parseLine(lines.MDE!);
    expect([p.signatureId, p.name, p.severity]).toEqual([MDE.detectorId, MDE.title, '8']);
    expect(p.prefix.timestamp).toBe('2026-11-27T12:19:27.721Z'); // createdDateTime, 7 digits cut to ms
    expect(p.extension).toMatchObject({
      externalId: MDE.id,
      rt: String(Date.parse('2026-11-27T12:19:27.721Z')),
      start: String(Date.parse('2026-11-27T12:14:50.116Z')),
      end: String(Date.parse('2026-11-27T12:16:58.222Z')),
      msg: MDE.description,
      cat: 'Execution',
      deviceExternalId: MDE.tenantId,
      deviceFacility: 'microsoftDefenderForEndpoint',
      sourceServiceName: 'microsoftDefenderForEndpoint',
      cs1Label: 'incidentId', cs1: '28282',
      cs2Label: 'status', cs2: 'new',
      cs6Label: 'mitreTechniques', cs6: 'T1059.001,T1027',
      flexString2Label: 'alertWebUrl', flexString2: MDE.alertWebUrl,
      deviceCustomDate1: '',
      deviceCustomDate2: String(Date.parse('2026-11-27T12:21:02.110Z')),
      MicrosoftGraphIncidentWebUrl: MDE.incidentWebUrl,
      MicrosoftGraphProviderAlertId: MDE.providerAlertId,
    });
  });

  it('maps Endpoint evidence: user, device, file hashes, parent and child process, command line', () => {
    expect(parseLine(lines.MDE!).extension).toMatchObject({
      suser: 'liz.bean@contoso.com',
      suid: 'S-1-5-21-1004336348-1177238915-682003330-1105',
      sntdom: 'CONTOSO',
      MicrosoftGraphAadUserId: '7e1c2a5b-3f4d-4b6a-8c9d-0e1f2a3b4c5d',
      shost: 'ws-fin-014.contoso.local',
      MicrosoftGraphDeviceId: '73e7e2de709dff64ef64b1d0c30e67fab63279db',
      fname: 'powershell.exe',
      filePath: 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0',
      fileHash: '8963a19fb992ad9a76576c5638fd68292cffb9aaac29eb8285f9abf6196a7dec',
      MicrosoftGraphFileSha1: '5f1e8acedc065031aad553b710838eb366cfee9a',
      fsize: '450560',
      sproc: 'winword.exe', spid: '668', dproc: 'powershell.exe', dpid: '4780',
      MicrosoftGraphCommandLine: 'powershell.exe -nop -w hidden -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQA',
      MicrosoftGraphMoreEvidence: 'registryKey:HKEY_CURRENT_USER\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run',
      MicrosoftGraphMoreEvidenceCount: '1',
    });
  });

  it('maps Office 365 evidence: recipient, sender, subject, message id, sender IP, URL', () => {
    expect(parseLine(lines.MDO!).extension).toMatchObject({
      duser: 'bob@contoso.com',
      MicrosoftGraphEmailSender: 'it-support@contoso-helpdesk.com',
      MicrosoftGraphEmailSubject: 'Your password expires today | action=required',
      MicrosoftGraphNetworkMessageId: '5e1a9c3b-7d2f-4e8a-b6c0-1f2e3d4c5b6a',
      src: '203.0.113.45',
      request: 'https://login-micros0ft.com/reset?u=bob',
    });
  });

  it('puts the first item of a kind in the standard key and lists the others', () => {
    const p = parseLine(lines.XDR!);
    expect(p.extension).toMatchObject({
      suser: 'carol@contoso.com',
      shost: 'lt-hr-007.contoso.local',
      src: '10.1.30.7', // no role: a source
      dst: '198.51.100.23', // commandAndControl: a destination
      c6a3Label: 'Destination IPv6 Address',
      c6a3: '2001:db8:85a3::8a2e:370:7334',
      MicrosoftGraphActor: 'Storm-0501',
      MicrosoftGraphMoreEvidence: 'user:svc-backup@contoso.com; user:dave@fabrikam.com; device:srv-sql-02.contoso.local',
      MicrosoftGraphMoreEvidenceCount: '3',
    });
  });

  it('bounds the list of further evidence and still counts every item', () => {
    const users: GraphEvidence[] = Array.from({ length: 10_000 }, (_, i) => ({ '@odata.type': '#microsoft.graph.security.userEvidence', userAccount: { userPrincipalName: `user${i}@contoso.com` } }));
    const line = native.format({ kind: 'new', alert: { ...XDR, evidence: users } });
    const p = parseLine(line);
    expect(p.extension.suser).toBe('user0@contoso.com');
    const listed = p.extension.MicrosoftGraphMoreEvidence!.split('; ');
    expect(listed).toHaveLength(50);
    expect(listed[49]).toBe('user:user50@contoso.com');
    expect(p.extension.MicrosoftGraphMoreEvidenceCount).toBe('9999');
    expect(Buffer.byteLength(line)).toBeLessThanOrEqual(OPTS.maxMessageBytes);
  });

  it('writes an unknown serviceSource as its identifier, and a malformed one as "unknown"', () => {
    const head = (serviceSource: unknown) => parseLine(native.format({ kind: 'new', alert: { ...MDE, serviceSource } as GraphAlert })).product;
    expect(head('microsoftDefenderForIoT')).toBe('microsoftDefenderForIoT');
    expect(head('Defender|evil\nCEF:0|x')).toBe('unknown');
    expect(head('x'.repeat(64))).toBe('unknown');
    expect(head(42)).toBe('unknown');
  });

  it('the per-product header of one line does not leak into the next (compat line right after)', () => {
    native.format({ kind: 'new', alert: MDE });
    const p = parseLine(compat.format({ kind: 'new', alert: MDCA }));
    expect([p.vendor, p.product]).toEqual(['MCAS', 'SIEM_Agent']);
    expect(parseLine(compat.format({ kind: 'new', alert: XDR })).product).toBe('Defender XDR');
  });

  it('leaves flexString1 to the tenant name the CEF core appends in multi-tenant relays', () => {
    const f = createGraphFormatter(DEFAULT_GRAPH_CEF_OPTIONS, createCefWriter({ ...OPTS, tenant: 'contoso-eu' }));
    for (const alert of Object.values(NEW_ALERTS))
      for (const kind of ['new', 'update'] as const) {
        const p = parseLine(f.format({ kind, alert })); // the strict parser refuses duplicate keys
        expect(p.keys.slice(-2)).toEqual(['flexString1Label', 'flexString1']);
        expect(p.extension.flexString1).toBe('contoso-eu');
      }
  });

  it('parses in the generic RFC 5424 and RFC 3164 formats too', () => {
    for (const rfc of ['5424', '3164'] as const) {
      const w = createCefWriter({ ...OPTS, format: 'generic', hostname: 'relay-1', syslog: { ...OPTS.syslog, rfc } });
      const f = createGraphFormatter(DEFAULT_GRAPH_CEF_OPTIONS, w);
      for (const alert of Object.values(NEW_ALERTS)) {
        const p = parseLine(f.format({ kind: 'new', alert }));
        expect(p.prefix.format).toBe(rfc);
        expect(p.prefix.hostname).toBe('relay-1');
      }
    }
  });
});
