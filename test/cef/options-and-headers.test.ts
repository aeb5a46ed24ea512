// Options are validated once with the bad option named; headers follow RFC 5424 / RFC 3164; own events and overrides.
import { describe, expect, it } from 'vitest';
import { DEFAULT_CEF_OPTIONS, validateCefOptions } from '../../src/cef/index.js';
import { createFormatter } from '../../src/sources/mdca/cef/index.js';
import type { CefOptions } from '../../src/cef/index.js';
import { isRelayError } from '../../src/errors.js';
import type { MdcaAlert } from '../../src/sources/mdca/types.js';
import { parseLine } from '../support/cef-parser.js';
import { lognormalize } from '../support/lognormalizer.js';

const alert: MdcaAlert = {
  _id: '596a7e360c204203a335a3fb',
  timestamp: 1500151350531,
  title: 'p',
  description: 'd',
  severityValue: 2,
  entities: [{ type: 'service', id: 33626, label: 'Google' }],
};
const opts = (o: Partial<CefOptions>): CefOptions => ({ ...DEFAULT_CEF_OPTIONS, ...o });

describe('option validation', () => {
  it('accepts the defaults', () => {
    expect(validateCefOptions(DEFAULT_CEF_OPTIONS)).toEqual([]);
  });

  it.each([
    ['format', { format: 'splunk' }],
    ['vendor', { vendor: '' }],
    ['product', { product: 'a\nb' }],
    ['version', { version: 'x'.repeat(32) }],
    ['hostname', { hostname: 'has space' }],
    ['syslog.facility', { syslog: { ...DEFAULT_CEF_OPTIONS.syslog, facility: 24 } }],
    ['syslog.severity', { syslog: { ...DEFAULT_CEF_OPTIONS.syslog, severity: -1 } }],
    ['syslog.appName', { syslog: { ...DEFAULT_CEF_OPTIONS.syslog, rfc: '3164', appName: 'has:colon' } }],
    ['syslog.rfc', { syslog: { ...DEFAULT_CEF_OPTIONS.syslog, rfc: '5425' } }],
    ['severityMap.2', { severityMap: { 0: 3, 2: 11 } }],
    ['maxMessageBytes', { maxMessageBytes: 100 }],
    ['portalUrl', { portalUrl: 'javascript:alert(1)' }],
    ['appNames.10489', { appNames: { 10489: 'bad name' } }],
  ])('names %s when it is invalid', (name, patch) => {
    const problems = validateCefOptions({ ...DEFAULT_CEF_OPTIONS, ...patch });
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.some((p) => p.startsWith(`${name}:`))).toBe(true);
  });

  it('createFormatter refuses invalid options with CONFIG_INVALID at the config stage', () => {
    try {
      createFormatter(opts({ maxMessageBytes: 10 }));
      expect.unreachable();
    } catch (err) {
      expect(isRelayError(err, 'CONFIG_INVALID')).toBe(true);
      expect(String(err)).toContain('maxMessageBytes');
    }
  });
});

describe('syslog headers and overrides', () => {
  it('generic RFC 5424: <PRI>1 timestamp host app - - - then CEF', () => {
    const line = createFormatter(opts({ format: 'generic', hostname: 'relay-1', syslog: { rfc: '5424', facility: 20, severity: 4, appName: 'mdca' } })).alert(alert);
    expect(line.startsWith('<164>1 2017-07-15T20:42:30.531Z relay-1 mdca - - - CEF:0|MCAS|SIEM_Agent|')).toBe(true);
    expect(parseLine(line).prefix).toMatchObject({ format: '5424', pri: 164, hostname: 'relay-1', appName: 'mdca' });
  });

  it('generic RFC 3164: <PRI>Mmm dd hh:mm:ss host tag: with a space-padded day', () => {
    const f = createFormatter(opts({ format: 'generic', hostname: 'relay-1', syslog: { rfc: '3164', facility: 1, severity: 6, appName: 'mdca' } }));
    expect(f.alert({ ...alert, timestamp: Date.UTC(2024, 2, 5, 7, 8, 9) })).toMatch(/^<14>Mar {2}5 07:08:09 relay-1 mdca: CEF:0\|/);
    expect(f.alert(alert)).toMatch(/^<14>Jul 15 20:42:30 relay-1 mdca: CEF:0\|/);
  });

  it('generic without a hostname uses this machine name, never an empty field', () => {
    const p = parseLine(createFormatter(opts({ format: 'generic' })).alert(alert));
    expect(p.prefix.hostname).toMatch(/^[\x21-\x7e]+$/);
  });

  it('vendor and product overrides are escaped in the header', () => {
    const p = parseLine(createFormatter(opts({ vendor: 'Micro|soft', product: 'Cloud\\Apps' })).alert(alert));
    expect([p.vendor, p.product]).toEqual(['Micro|soft', 'Cloud\\Apps']);
  });

  it('severity follows the configured map; unknown values fall back to 3', () => {
    const f = createFormatter(opts({ severityMap: { 0: 1, 1: 5, 2: 9, 3: 0 } }));
    expect(parseLine(f.alert(alert)).severity).toBe('9');
    expect(parseLine(f.alert({ ...alert, severityValue: 7 })).severity).toBe('3');
    expect(parseLine(createFormatter(DEFAULT_CEF_OPTIONS).alert(alert)).severity).toBe('8');
  });

  it('apps without a name constant render as APPID_<number>; appNames adds constants', () => {
    expect(parseLine(createFormatter(DEFAULT_CEF_OPTIONS).alert(alert)).extension.cs2).toBe('APPID_33626');
    expect(parseLine(createFormatter(opts({ appNames: { 33626: 'GOOGLE' } })).alert(alert)).extension.cs2).toBe('APPID_GOOGLE');
  });

  it('own events: keys reduced to [A-Za-z0-9], values escaped, severity clamped; lognormalizer agrees', () => {
    const f = createFormatter(DEFAULT_CEF_OPTIONS);
    const line = f.own({
      signatureId: 'RELAY_HEARTBEAT',
      name: 'Heart|beat',
      severity: 42,
      timestamp: 1700000000000,
      extension: [
        ['msg', 'ok\nmsg=forged'],
        ['cs1Label', 'lastRun'],
        ['cs1', 1699999999999],
        ['bad-key!', 'x'],
        ['***', 'dropped'],
        ['cn1', undefined],
      ],
    });
    const p = parseLine(line);
    expect(p.prefix.timestamp).toBe('2023-11-14T22:13:20.000Z');
    expect([p.signatureId, p.name, p.severity]).toEqual(['RELAY_HEARTBEAT', 'Heart|beat', '10']);
    expect(p.extension).toEqual({ msg: 'ok\nmsg=forged', cs1Label: 'lastRun', cs1: '1699999999999', badkey: 'x', cn1: '' });
    const [ln] = lognormalize([p.prefix.cef]);
    expect(ln?.ok && ln.cef.extension).toEqual(p.extension);
  });
});
