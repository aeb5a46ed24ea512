// CEF options: defaults and the one-time validation the formatter relies on (style.md: validate once, then trust).
import type { CefOptions } from './types.js';
import { escapeHeaderField, isWellFormed } from './escape.js';
import { HEADER_LIMITS } from './limits/fields.js';
import { utf8Bytes } from './limits/truncate.js';
import { DEFAULT_SEVERITY_MAP } from './severity.js';

/** The relay's version, written in the header's Device Version field unless overridden. */
export const RELAY_VERSION = '0.1.0';

/** Smallest accepted cap: room for the fixed parts (prefix, header, keys, labels, numbers) of any event. */
export const MIN_MESSAGE_BYTES = 2048;
/** Largest accepted cap (1 MiB): far above any receiver's limit (syslog-ng 64 KiB). */
export const MAX_MESSAGE_BYTES = 1 << 20;

export const DEFAULT_CEF_OPTIONS: Readonly<CefOptions> = Object.freeze({
  format: 'arcsight',
  vendor: 'MCAS',
  product: 'SIEM_Agent',
  version: RELAY_VERSION,
  // local4.warning = <164>, the example of cef-and-syslog.md; a DCR must select this facility.
  syslog: Object.freeze({ rfc: '5424', facility: 20, severity: 4, appName: 'MCAS_SIEM_Agent' }),
  severityMap: Object.freeze({ ...DEFAULT_SEVERITY_MAP }),
  // rsyslog's default message size, so the Sentinel (AMA) forwarder path (cef-and-syslog.md).
  maxMessageBytes: 8192,
}) as CefOptions;

const isInt = (v: unknown, lo: number, hi: number): boolean => typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi;

function headerProblem(name: string, v: unknown, limit: number): string | undefined {
  if (typeof v !== 'string' || v === '') return `${name}: must be a non-empty string`;
  if (/[\x00-\x1f\x7f-\x9f]/.test(v) || !isWellFormed(v)) return `${name}: must not contain control characters or invalid UTF-16`;
  if (utf8Bytes(escapeHeaderField(v)) > limit) return `${name}: at most ${limit} UTF-8 bytes after escaping (CEF dictionary)`;
  return undefined;
}

/** Every problem with `o`, each naming the option; empty when the options are usable. Pure. */
export function validateCefOptions(o: unknown): string[] {
  if (typeof o !== 'object' || o === null) return ['cef: options must be an object'];
  const c = o as Partial<CefOptions>;
  const problems: string[] = [];
  const push = (p: string | undefined): void => {
    if (p !== undefined) problems.push(p);
  };
  if (c.format !== 'arcsight' && c.format !== 'generic') push(`format: must be "arcsight" or "generic" (got ${JSON.stringify(c.format)})`);
  push(headerProblem('vendor', c.vendor, HEADER_LIMITS.vendor));
  push(headerProblem('product', c.product, HEADER_LIMITS.product));
  push(headerProblem('version', c.version, HEADER_LIMITS.version));
  if (c.hostname !== undefined && (typeof c.hostname !== 'string' || !/^[\x21-\x7e]{1,255}$/.test(c.hostname)))
    push('hostname: 1-255 printable ASCII characters without spaces (RFC 5424 HOSTNAME)');
  const s = c.syslog;
  if (typeof s !== 'object' || s === null) {
    push('syslog: must be an object {rfc, facility, severity, appName}');
  } else {
    if (s.rfc !== '5424' && s.rfc !== '3164') push(`syslog.rfc: must be "5424" or "3164" (got ${JSON.stringify(s.rfc)})`);
    if (!isInt(s.facility, 0, 23)) push('syslog.facility: integer 0..23 (RFC 5424 §6.2.1)');
    if (!isInt(s.severity, 0, 7)) push('syslog.severity: integer 0..7 (RFC 5424 §6.2.1)');
    if (s.rfc === '3164') {
      if (typeof s.appName !== 'string' || !/^[\x21-\x39\x3b-\x5a\x5c\x5e-\x7e]{1,32}$/.test(s.appName))
        push('syslog.appName: 1-32 printable ASCII characters without space, ":", "[" or "]" (RFC 3164 TAG)');
    } else if (typeof s.appName !== 'string' || !/^[\x21-\x7e]{1,48}$/.test(s.appName)) {
      push('syslog.appName: 1-48 printable ASCII characters without spaces (RFC 5424 APP-NAME)');
    }
  }
  if (typeof c.severityMap !== 'object' || c.severityMap === null) {
    push('severityMap: must be an object {severityValue: cefSeverity}');
  } else {
    for (const [k, v] of Object.entries(c.severityMap)) {
      if (!/^\d+$/.test(k)) push(`severityMap.${k}: keys are MDCA severityValue integers`);
      if (!isInt(v, 0, 10)) push(`severityMap.${k}: CEF severity must be an integer 0..10`);
    }
  }
  if (!isInt(c.maxMessageBytes, MIN_MESSAGE_BYTES, MAX_MESSAGE_BYTES))
    push(`maxMessageBytes: integer ${MIN_MESSAGE_BYTES}..${MAX_MESSAGE_BYTES}`);
  if (c.portalUrl !== undefined && (typeof c.portalUrl !== 'string' || !/^https?:\/\/[\x21-\x7e]+$/.test(c.portalUrl)))
    push('portalUrl: an http(s) URL without spaces or control characters');
  // The tenant registry's name rule (src/tenants/registry.ts): safe as a CEF value without escaping.
  if (c.tenant !== undefined && (typeof c.tenant !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/.test(c.tenant)))
    push('tenant: 1-63 letters, digits, "-" or "_", starting with a letter or digit');
  if (c.appNames !== undefined) {
    if (typeof c.appNames !== 'object' || c.appNames === null) push('appNames: must be an object {appId: NAME}');
    else
      for (const [k, v] of Object.entries(c.appNames)) {
        if (!/^\d+$/.test(k)) push(`appNames.${k}: keys are numeric MDCA app ids`);
        if (typeof v !== 'string' || !/^[A-Za-z0-9_]{1,64}$/.test(v)) push(`appNames.${k}: 1-64 characters [A-Za-z0-9_]`);
      }
  }
  return problems;
}
