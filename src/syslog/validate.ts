// Checks SyslogOptions once, up front (validate once, then trust): each problem names the option.
import net from 'node:net';
import type { SyslogOptions } from './types.js';

const PEM = /-----BEGIN [A-Z0-9 ]+-----[\s\S]+-----END [A-Z0-9 ]+-----/;
// RFC 1123 host names: labels of letters, digits and hyphens. No DNS lookup happens here; an IP
// (a private VNet address in Azure) is the expected form.
const HOSTNAME = /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

function positiveInt(v: unknown, max: number): boolean {
  return typeof v === 'number' && Number.isInteger(v) && v > 0 && v <= max;
}

/** Pure: returns one message per bad option (empty when the options are usable). */
export function validateSyslogOptions(o: SyslogOptions): string[] {
  const problems: string[] = [];
  if (!['tcp', 'udp', 'tls', 'relp', 'relp-tls'].includes(o.protocol)) problems.push(`protocol: must be tcp, udp, tls, relp or relp-tls (got ${JSON.stringify(o.protocol)})`);
  if (!['lf', 'octet-counting'].includes(o.framing)) problems.push(`framing: must be lf or octet-counting (got ${JSON.stringify(o.framing)})`);
  if (!Array.isArray(o.hosts) || o.hosts.length === 0) {
    problems.push('hosts: at least one receiver is required');
  } else {
    o.hosts.forEach((h, i) => {
      const host = typeof h?.host === 'string' ? h.host : '';
      if (host === '') problems.push(`hosts[${i}].host: is empty`);
      else if (net.isIP(host) === 0 && !HOSTNAME.test(host)) problems.push(`hosts[${i}].host: ${JSON.stringify(host)} is neither an IP address nor a host name`);
      if (!positiveInt(h?.port, 65535)) problems.push(`hosts[${i}].port: must be an integer 1-65535 (got ${JSON.stringify(h?.port)})`);
    });
  }
  // An hour is far beyond any sane network wait; a larger value is a unit mistake (s vs ms).
  if (!positiveInt(o.connectTimeoutMs, 3_600_000)) problems.push(`connectTimeoutMs: must be an integer 1-3600000 ms (got ${JSON.stringify(o.connectTimeoutMs)})`);
  if (!positiveInt(o.writeTimeoutMs, 3_600_000)) problems.push(`writeTimeoutMs: must be an integer 1-3600000 ms (got ${JSON.stringify(o.writeTimeoutMs)})`);
  // RFC 5426 3.2: receivers must take 480 octets; 65507 is the largest IPv4 UDP payload.
  if (o.protocol === 'udp' && !(Number.isInteger(o.udpMaxBytes) && o.udpMaxBytes >= 480 && o.udpMaxBytes <= 65507)) {
    problems.push(`udpMaxBytes: must be an integer 480-65507 (got ${JSON.stringify(o.udpMaxBytes)})`);
  }
  if (o.tls !== undefined) {
    const t = o.tls;
    if (o.protocol !== 'tls' && o.protocol !== 'relp-tls') problems.push(`tls: is set but protocol is ${o.protocol}`);
    if (t.ca !== undefined && !PEM.test(t.ca)) problems.push('tls.ca: is not a PEM bundle');
    if (t.cert !== undefined && !PEM.test(t.cert)) problems.push('tls.cert: is not a PEM certificate');
    if (t.key !== undefined && !PEM.test(t.key)) problems.push('tls.key: is not a PEM private key'); // never echo the key
    if ((t.cert === undefined) !== (t.key === undefined)) problems.push('tls.cert and tls.key: mutual TLS needs both or neither');
    if (t.servername !== undefined && (t.servername === '' || !HOSTNAME.test(t.servername))) {
      problems.push(`tls.servername: ${JSON.stringify(t.servername)} is not a host name (the certificate name to check)`);
    }
  }
  if (o.confirmSettleMs !== undefined && !(Number.isInteger(o.confirmSettleMs) && o.confirmSettleMs >= 0 && o.confirmSettleMs <= 60_000)) {
    problems.push(`confirmSettleMs: must be an integer 0-60000 ms (got ${JSON.stringify(o.confirmSettleMs)})`);
  }
  // librelp's own default window is 128; a huge one only piles unacknowledged frames in memory.
  if (o.relpWindow !== undefined && !positiveInt(o.relpWindow, 10_000)) problems.push(`relpWindow: must be an integer 1-10000 (got ${JSON.stringify(o.relpWindow)})`);
  if (o.retry !== undefined) {
    const r = o.retry;
    if (!positiveInt(r.attempts, 100)) problems.push(`retry.attempts: must be an integer 1-100 (got ${JSON.stringify(r.attempts)})`);
    if (!(Number.isInteger(r.initialDelayMs) && r.initialDelayMs >= 0)) problems.push(`retry.initialDelayMs: must be an integer >= 0 (got ${JSON.stringify(r.initialDelayMs)})`);
    if (!(Number.isInteger(r.maxDelayMs) && r.maxDelayMs >= r.initialDelayMs)) problems.push(`retry.maxDelayMs: must be an integer >= retry.initialDelayMs (got ${JSON.stringify(r.maxDelayMs)})`);
  }
  return problems;
}
