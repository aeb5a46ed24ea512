// The text before `CEF:` on each line, per SIEM format: the agent's `arcsight` prefix or a `generic` syslog header.
import os from 'node:os';
import type { CefOptions } from '../types.js';
import { rfc3164Time } from './time.js';

/** Builds, once, the function that renders a line's prefix from the record time (epoch ms). */
export type PrefixFn = (ms: number) => string;

/** Printable ASCII without spaces (RFC 5424 PRINTUSASCII), as a syslog HOSTNAME must be. */
export function sanitizeHostname(name: string): string {
  const clean = name.replace(/[^\x21-\x7e]/g, '-').slice(0, 255);
  return clean === '' ? 'localhost' : clean;
}

/**
 * `arcsight`: `<ISO-8601 UTC ms> [hostname ]` exactly as the agent (siem.md samples; the hostname
 * only when "include system name" was chosen).
 * `generic`: RFC 5424 `<PRI>1 TIMESTAMP HOSTNAME APP-NAME - - - ` or RFC 3164
 * `<PRI>Mmm dd hh:mm:ss HOSTNAME TAG: `, PRI = facility * 8 + severity (RFC 5424 §6.2.1). A generic
 * header always carries a hostname (the machine's when none is set): collectors such as rsyslog
 * guess one otherwise and corrupt the event (cef-and-syslog.md).
 */
export function buildPrefix(o: CefOptions): PrefixFn {
  if (o.format === 'arcsight') {
    const host = o.hostname ? `${o.hostname} ` : '';
    return (ms) => `${new Date(ms).toISOString()} ${host}`;
  }
  const host = o.hostname ? o.hostname : sanitizeHostname(os.hostname());
  const pri = `<${o.syslog.facility * 8 + o.syslog.severity}>`;
  if (o.syslog.rfc === '5424') {
    const tail = ` ${host} ${o.syslog.appName} - - - `;
    return (ms) => `${pri}1 ${new Date(ms).toISOString()}${tail}`;
  }
  const tail = ` ${host} ${o.syslog.appName}: `;
  return (ms) => `${pri}${rfc3164Time(ms)}${tail}`;
}
