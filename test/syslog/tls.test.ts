// TLS against real receivers: the certificate and its name are always checked, TLS 1.2 is the
// floor, and a client certificate is presented when the receiver requires one (mutual TLS).
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RelayError } from '../../src/errors.js';
import { createSender } from '../../src/syslog/index.js';
import type { SyslogOptions } from '../../src/syslog/types.js';
import { relayErrorOrNothing } from '../support/relay-error.js';
import { startRsyslog } from '../support/rsyslog.js';
import { startSyslogNg, type Receiver } from '../support/syslog-ng.js';
import { createTlsFiles, type TlsFiles } from '../support/tls-certs.js';

let pki: TlsFiles;
let other: TlsFiles; // an unrelated CA
let plain: Receiver;
let mutual: Receiver;
let rsMutual: Receiver;
beforeAll(async () => {
  [pki, other] = await Promise.all([createTlsFiles(), createTlsFiles()]);
  [plain, mutual, rsMutual] = await Promise.all([
    startSyslogNg({ mode: 'tls', tls: pki, raw: true }),
    startSyslogNg({ mode: 'tls', tls: pki, raw: true, requireClientCert: true }),
    startRsyslog({ mode: 'tls', tls: pki, raw: true, requireClientCert: true }),
  ]);
});
afterAll(async () => {
  await Promise.all([plain?.stop(), mutual?.stop(), rsMutual?.stop()]);
  await Promise.all([pki?.cleanup(), other?.cleanup()]);
});

function opts(r: Receiver, t: SyslogOptions['tls']): SyslogOptions {
  return {
    protocol: 'tls',
    hosts: [{ host: r.host, port: r.port }],
    framing: 'octet-counting',
    connectTimeoutMs: 3_000,
    writeTimeoutMs: 3_000,
    udpMaxBytes: 2048,
    retry: { attempts: 1, initialDelayMs: 10, maxDelayMs: 10 },
    tls: t,
  };
}

async function attempt(o: SyslogOptions, msg: string): Promise<RelayError | undefined> {
  const s = createSender(o);
  try {
    return await relayErrorOrNothing(s.deliver([msg]));
  } finally {
    await s.close();
  }
}

describe('TLS', () => {
  it('delivers when the receiver certificate chains to the given CA and matches the IP address', async () => {
    expect(await attempt(opts(plain, { ca: pki.ca }), '<134>1 - h a - - - by ip')).toBeUndefined();
    expect(await plain.waitForLines(1)).toContain('<134>1 - h a - - - by ip');
  });

  it('checks the certificate against tls.servername when given (private IP, named certificate)', async () => {
    expect(await attempt(opts(plain, { ca: pki.ca, servername: 'localhost' }), '<134>1 - h a - - - by name')).toBeUndefined();
    const err = await attempt(opts(plain, { ca: pki.ca, servername: 'siem.example.net' }), '<134>1 - h a - - - wrong name');
    expect(err?.code).toBe('SYSLOG_UNREACHABLE');
    expect(err?.message).toMatch(/altnames|does not match/i);
  });

  it('refuses a receiver whose certificate is signed by another CA', async () => {
    const err = await attempt(opts(plain, { ca: other.ca }), '<134>1 - h a - - - other ca');
    expect(err?.code).toBe('SYSLOG_UNREACHABLE');
    expect(err?.message).toMatch(/certificate/i);
  });

  it('refuses a self-made receiver certificate when trusting only the system CAs', async () => {
    const err = await attempt(opts(plain, {}), '<134>1 - h a - - - system ca');
    expect(err?.code).toBe('SYSLOG_UNREACHABLE');
    const lines = await plain.lines();
    expect(lines.some((l) => l.includes('wrong name') || l.includes('other ca') || l.includes('system ca'))).toBe(false);
  });

  for (const [name, get] of [['syslog-ng', () => mutual], ['rsyslog', () => rsMutual]] as const) {
    it(`presents the client certificate to ${name} requiring mutual TLS, and fails without it`, async () => {
      const r = get();
      expect(await attempt(opts(r, { ca: pki.ca, cert: pki.clientCert, key: pki.clientKey }), '<134>1 - h a - - - mutual')).toBeUndefined();
      expect(await r.waitForLines(1)).toEqual(['<134>1 - h a - - - mutual']);
      const err = await attempt(opts(r, { ca: pki.ca }), '<134>1 - h a - - - anonymous');
      expect(err).toBeDefined();
      // A marker sent with the certificate after the refused attempt: once it is in, the refused one would be too.
      expect(await attempt(opts(r, { ca: pki.ca, cert: pki.clientCert, key: pki.clientKey }), '<134>1 - h a - - - marker')).toBeUndefined();
      await r.waitFor((ls) => ls.includes('<134>1 - h a - - - marker'));
      expect(await r.lines()).toEqual(['<134>1 - h a - - - mutual', '<134>1 - h a - - - marker']);
    });
  }

  it('never negotiates below TLS 1.2', async () => {
    // A Node TLS server capped at TLS 1.1 (allowed only at OpenSSL security level 0).
    const server = tls.createServer({ key: pki.serverKey, cert: pki.serverCert, minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' }, (s) => s.resume());
    server.on('tlsClientError', () => undefined);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    try {
      const err = await attempt({ ...opts(plain, { ca: pki.ca }), hosts: [{ host: '127.0.0.1', port }] }, '<134>1 - h a - - - old');
      expect(err?.code).toBe('SYSLOG_UNREACHABLE');
      expect(err?.message).toMatch(/protocol|version|alert/i);
    } finally {
      server.close();
    }
  });
});
