// Framing and the pure policies: octet counts are UTF-8 bytes, chunks never cut a frame, LF
// framing can never split an event, backoff stays within its bounds, bad options are named.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffDelay, frame, frameChunks, validateSyslogOptions } from '../../src/syslog/index.js';
import { parseOctetCounted } from '../../src/syslog/framing.js';
import type { SyslogOptions } from '../../src/syslog/types.js';

describe('framing', () => {
  it('counts octets, not characters, in octet-counted frames (RFC 6587 3.4.1)', () => {
    expect(frame('Zürich 🚀', 'octet-counting')).toBe('12 Zürich 🚀');
    expect(frame('', 'octet-counting')).toBe('0 ');
  });

  it('turns line breaks inside a message into spaces with LF framing, so one event stays one event', () => {
    expect(frame('a\nb\r\nc\rd', 'lf')).toBe('a b c d\n');
    expect(frame('CEF:0|x|y', 'lf')).toBe('CEF:0|x|y\n');
  });

  it('chunks a batch without cutting a frame and round-trips every message in order', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary', maxLength: 200 }), { maxLength: 80 }), fc.integer({ min: 1, max: 2000 }), (msgs, chunk) => {
        const chunks = [...frameChunks(msgs, 'octet-counting', chunk)];
        if (chunks.some((c) => parseOctetCounted(c).rest.length !== 0)) return false; // a chunk ends mid-frame
        const all = parseOctetCounted(Buffer.concat(chunks));
        // lone surrogates are not representable in UTF-8: compare with what UTF-8 makes of them
        const want = msgs.map((m) => Buffer.from(m, 'utf8').toString('utf8'));
        return all.rest.length === 0 && all.messages.length === want.length && all.messages.every((m, i) => m === want[i]);
      }),
      { numRuns: 100 },
    );
  });

  it('LF-framed chunks hold exactly one line per message', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 100 }), { maxLength: 100 }), (msgs) => {
        const text = Buffer.concat([...frameChunks(msgs, 'lf', 256)]).toString('utf8');
        const lines = text.split('\n');
        return lines.pop() === '' && lines.length === msgs.length;
      }),
      { numRuns: 100 },
    );
  });
});

describe('backoff', () => {
  const policy = { attempts: 3, initialDelayMs: 100, maxDelayMs: 5_000 };
  it('waits nothing before the first failure and grows with each failure up to the cap', () => {
    expect(backoffDelay(0, policy, () => 0.5)).toBe(0);
    expect(backoffDelay(1, policy, () => 0)).toBe(50);
    expect(backoffDelay(1, policy, () => 1)).toBe(100);
    expect(backoffDelay(3, policy, () => 1)).toBe(400);
    expect(backoffDelay(50, policy, () => 1)).toBe(5_000);
    expect(backoffDelay(50, policy, () => 0)).toBe(2_500);
  });
});

describe('validateSyslogOptions', () => {
  const good: SyslogOptions = {
    protocol: 'tcp',
    hosts: [{ host: '10.1.2.3', port: 514 }, { host: 'syslog-2.corp.example', port: 1514 }, { host: 'fd00::5', port: 514 }],
    framing: 'lf',
    connectTimeoutMs: 10_000,
    writeTimeoutMs: 30_000,
    udpMaxBytes: 2048,
  };

  it('accepts private IPs and host names without looking them up', () => {
    expect(validateSyslogOptions(good)).toEqual([]);
  });

  it('names each bad option', () => {
    const problems = validateSyslogOptions({
      ...good,
      protocol: 'udp',
      hosts: [{ host: '', port: 0 }, { host: 'bad host!', port: 70000 }],
      framing: 'crlf' as never,
      connectTimeoutMs: 0,
      writeTimeoutMs: 1.5,
      udpMaxBytes: 70_000,
      tls: { cert: '-----BEGIN CERTIFICATE-----\nAA\n-----END CERTIFICATE-----' },
      retry: { attempts: 0, initialDelayMs: 10, maxDelayMs: 5 },
      confirmSettleMs: -1,
    });
    for (const name of ['framing', 'hosts[0].host', 'hosts[0].port', 'hosts[1].host', 'hosts[1].port', 'connectTimeoutMs', 'writeTimeoutMs', 'udpMaxBytes', 'tls:', 'tls.cert and tls.key', 'retry.attempts', 'retry.maxDelayMs', 'confirmSettleMs']) {
      expect(problems.some((p) => p.startsWith(name)), `${name} in ${JSON.stringify(problems)}`).toBe(true);
    }
  });

  it('never echoes a private key it rejects', () => {
    const problems = validateSyslogOptions({ ...good, protocol: 'tls', tls: { cert: '-----BEGIN CERTIFICATE-----\nAA\n-----END CERTIFICATE-----', key: 'secret-key-material' } });
    expect(problems).toEqual(['tls.key: is not a PEM private key']);
    expect(problems.join()).not.toContain('secret-key-material');
  });

  it('requires at least one host', () => {
    expect(validateSyslogOptions({ ...good, hosts: [] })).toEqual(['hosts: at least one receiver is required']);
  });
});
