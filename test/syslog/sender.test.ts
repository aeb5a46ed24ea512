// The sender against misbehaving receivers on loopback: refused, silent, never closing, resetting,
// closing early, dying after reading; plus fail-over, fail-back, UDP size cap and LF safety.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { isRelayError, RelayError } from '../../src/errors.js';
import { createSender } from '../../src/syslog/index.js';
import type { StatusSyslogSender, SyslogHost, SyslogOptions } from '../../src/syslog/types.js';
import { freePort } from '../support/ports.js';
import { expectRelayError } from '../support/relay-error.js';
import { startSyslogNg, type Receiver } from '../support/syslog-ng.js';
import { testEvents } from './events.js';

const cleanups: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function base(hosts: SyslogHost[], extra: Partial<SyslogOptions> = {}): SyslogOptions {
  return {
    protocol: 'tcp',
    hosts,
    framing: 'octet-counting',
    connectTimeoutMs: 2_000,
    writeTimeoutMs: 1_000,
    udpMaxBytes: 2048,
    retry: { attempts: 1, initialDelayMs: 10, maxDelayMs: 50 },
    ...extra,
  };
}

function sender(o: SyslogOptions): StatusSyslogSender {
  const s = createSender(o);
  cleanups.push(() => s.close());
  return s;
}

/** A loopback TCP server whose accepted sockets are handed to `onSocket`. */
async function fakeReceiver(onSocket: (s: net.Socket, srv: net.Server) => void): Promise<SyslogHost & { server: net.Server }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    onSocket(s, server);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  cleanups.push(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  return { host: '127.0.0.1', port: (server.address() as net.AddressInfo).port, server };
}

const rejection = (p: Promise<unknown>): Promise<RelayError> => expectRelayError(p);

async function receiver(raw = true): Promise<Receiver> {
  const r = await startSyslogNg({ mode: 'tcp-octet', raw });
  cleanups.push(() => r.stop());
  return r;
}

const lines = (n: number, tag = 't') => testEvents(0, n, tag).map((e) => e.line);

describe('when the receiver cannot be reached', () => {
  it('rejects with SYSLOG_UNREACHABLE naming the host, and reports the outage in its status', async () => {
    const port = await freePort(); // nothing listens here
    const s = sender(base([{ host: '127.0.0.1', port }]));
    const err = await rejection(s.deliver(lines(3)));
    expect(err.code).toBe('SYSLOG_UNREACHABLE');
    expect(err.stage).toBe('send');
    expect(err.message).toContain(`127.0.0.1:${port}`);
    expect(err.message).toContain('ECONNREFUSED');
    const st = s.status();
    expect(st.state).toBe('down');
    expect(st.outages).toBe(1);
    expect(st.hosts[0]!.consecutiveFailures).toBe(1);
    expect(st.lastError).toContain('SYSLOG_UNREACHABLE');
  });

  it('gives up after connectTimeoutMs when the connection never becomes usable (TLS handshake unanswered)', async () => {
    const host = await fakeReceiver((s) => s.resume()); // accepts TCP, never answers the ClientHello
    const s = sender(base([host], { protocol: 'tls', connectTimeoutMs: 300 }));
    const started = Date.now();
    const err = await rejection(s.deliver(lines(1)));
    expect(err.code).toBe('SYSLOG_UNREACHABLE');
    expect(err.message).toContain('TLS connect timed out after 300 ms');
    expect(Date.now() - started).toBeLessThan(3_000);
  });
});

describe('when the receiver misbehaves', () => {
  it('fails a session after writeTimeoutMs without write progress when the receiver stops reading (backpressure, no unbounded buffering)', async () => {
    let received = 0;
    const host = await fakeReceiver((s) => {
      s.once('data', (d: Buffer) => {
        received += d.length;
        s.pause(); // reads one chunk, then never again
      });
    });
    const errors: string[] = [];
    const s = createSender(base([host], { writeTimeoutMs: 500 }), { onEvent: (e) => e.type === 'attempt-failed' && errors.push(e.error) });
    cleanups.push(() => s.close());
    const big = Array.from({ length: 40_000 }, (_, i) => `<134>1 - h a - - - event ${i} ${'y'.repeat(500)}`); // ~20 MB
    const err = await rejection(s.deliver(big));
    // Only a sender that waits for the kernel sees no progress: one that buffers would have "written" it all.
    expect(errors[0]).toContain('no write progress');
    // Then the rest is retried in halves down to one event (slow-receiver.test.ts), which fails too.
    expect(err.code).toBe('SYSLOG_SEND_FAILED');
    expect(err.message).toContain('down to 1 event');
    expect(received).toBeGreaterThan(0);
  });

  it('fails the batch when the receiver reads everything but never closes (no confirmation)', async () => {
    const host = await fakeReceiver((s) => s.resume());
    const s = sender(base([host], { writeTimeoutMs: 400 }));
    const err = await rejection(s.deliver(lines(10)));
    expect(err.code).toBe('SYSLOG_SEND_FAILED');
    expect(err.message).toContain('no confirmation');
  });

  it('fails the batch, without crashing, when the receiver resets the connection mid-batch', async () => {
    const host = await fakeReceiver((s) => s.once('data', () => s.resetAndDestroy()));
    const s = sender(base([host]));
    const err = await rejection(s.deliver(lines(5_000)));
    expect(err.code).toBe('SYSLOG_SEND_FAILED');
    expect(err.message).toMatch(/ECONNRESET|EPIPE|closed/);
  });

  it('does not take a close before the end of the batch as a confirmation', async () => {
    const host = await fakeReceiver((s) => {
      s.resume();
      s.end(); // half-closes at once, while we are still writing
    });
    const s = sender(base([host]));
    const err = await rejection(s.deliver(lines(20_000)));
    expect(err.message).toContain('before the batch was complete');
    expect(err.code).toBe('SYSLOG_SEND_FAILED');
  });

  it('does not confirm a batch when the receiver closes and is gone right after (as a killed daemon)', async () => {
    const host = await fakeReceiver((s, srv) => {
      s.resume();
      s.on('end', () => {
        srv.close(); // the listener goes with the process
        s.end();
      });
    });
    const s = sender(base([host]));
    const err = await rejection(s.deliver(lines(10)));
    expect(err.code).toBe('SYSLOG_SEND_FAILED');
    expect(err.message).toContain('refused a new connection');
  });

  it('confirms a batch once the receiver read it all and closed after our half-close', async () => {
    let got = Buffer.alloc(0);
    const host = await fakeReceiver((s) => {
      s.on('data', (d: Buffer) => (got = Buffer.concat([got, d])));
      s.on('end', () => s.end());
    });
    const s = sender(base([host]));
    const batch = lines(100);
    const report = await s.deliver(batch);
    expect(report).toMatchObject({ delivered: 100, confirmed: true, host: { host: '127.0.0.1', port: host.port } });
    expect(report.bytes).toBe(got.length);
    expect(got.toString('utf8')).toBe(batch.map((m) => `${Buffer.byteLength(m)} ${m}`).join(''));
  });
});

describe('with several hosts', () => {
  it('fails over to the second host when the first refuses, and says where the batch went', async () => {
    const dead = { host: '127.0.0.1', port: await freePort() };
    const r = await receiver();
    const s = sender(base([dead, { host: r.host, port: r.port }]));
    const batch = lines(50, 'fo');
    const report = await s.deliver(batch);
    expect(report.host).toEqual({ host: r.host, port: r.port });
    expect(await r.waitForLines(50)).toEqual(batch);
    const st = s.status();
    expect(st.state).toBe('up');
    expect(st.hosts[0]!.consecutiveFailures).toBe(1);
    expect(st.hosts[1]!.consecutiveFailures).toBe(0);
  });

  it('goes back to the first host once it is up again and out of backoff', async () => {
    const a = await receiver();
    const b = await receiver();
    const s = sender(base([{ host: a.host, port: a.port }, { host: b.host, port: b.port }], { retry: { attempts: 2, initialDelayMs: 50, maxDelayMs: 100 } }));
    expect((await s.deliver(lines(10, 'one'))).host.port).toBe(a.port);
    await a.kill();
    expect((await s.deliver(lines(10, 'two'))).host.port).toBe(b.port);
    await a.restart();
    // Past a's backoff: wait for the time the sender itself reports, not a guessed delay.
    const retryAt = s.status().hosts[0]!.retryAt ?? 0;
    while (Date.now() <= retryAt) await new Promise((r) => setTimeout(r, 10));
    expect((await s.deliver(lines(10, 'three'))).host.port).toBe(a.port);
  });
});

describe('framing safety and UDP', () => {
  it('delivers a message with embedded line breaks as one event over LF framing', async () => {
    const r = await startSyslogNg({ mode: 'tcp-lf', raw: true });
    cleanups.push(() => r.stop());
    const s = sender(base([{ host: r.host, port: r.port }], { framing: 'lf' }));
    await s.deliver(['<134>1 - h a - - - CEF:0|a|b|c|d|forged\nCEF:0|x|y|z|1|evil|10|', '<134>1 - h a - - - second']);
    expect(await r.waitForLines(2)).toEqual(['<134>1 - h a - - - CEF:0|a|b|c|d|forged CEF:0|x|y|z|1|evil|10|', '<134>1 - h a - - - second']);
  });

  it('refuses a UDP batch holding a message over udpMaxBytes and sends none of it', async () => {
    const r = await startSyslogNg({ mode: 'udp', raw: true });
    cleanups.push(() => r.stop());
    const s = sender(base([{ host: r.host, port: r.port }], { protocol: 'udp', udpMaxBytes: 1024 }));
    const err = await rejection(s.deliver(['<134>1 - h a - - - small', `<134>1 - h a - - - ${'z'.repeat(1100)}`]));
    expect(err.code).toBe('SYSLOG_SEND_FAILED');
    expect(err.message).toContain('message 1');
    const report = await s.deliver(['<134>1 - h a - - - after']);
    expect(report.confirmed).toBe(false);
    // The marker sent after the refused batch: once it is in, anything of the refused batch would be too.
    await r.waitFor((ls) => ls.includes('<134>1 - h a - - - after'));
    expect(await r.lines()).toEqual(['<134>1 - h a - - - after']);
  });

  it('sends a datagram of exactly udpMaxBytes whole', async () => {
    const r = await startSyslogNg({ mode: 'udp', raw: true });
    cleanups.push(() => r.stop());
    const s = sender(base([{ host: r.host, port: r.port }], { protocol: 'udp', udpMaxBytes: 2048 }));
    const head = '<134>1 - h a - - - ';
    const msg = head + 'é'.repeat(1014) + 'a'; // 19 + 2028 + 1 bytes
    expect(Buffer.byteLength(msg)).toBe(2048);
    await s.deliver([msg]);
    expect(await r.waitForLines(1)).toEqual([msg]);
  });
});

describe('closing', () => {
  it('stops waiting out a backoff when closed, and refuses new batches', async () => {
    const port = await freePort();
    // A backoff far longer than the test's timeout: only a close that cuts it short lets the test end.
    const s = createSender(base([{ host: '127.0.0.1', port }], { retry: { attempts: 5, initialDelayMs: 600_000, maxDelayMs: 600_000 } }));
    const pending = s.deliver(lines(1)).catch((e: unknown) => e);
    while (s.status().hosts[0]!.consecutiveFailures === 0) await new Promise((r) => setTimeout(r, 10)); // in backoff now
    await s.close();
    expect(isRelayError(await pending)).toBe(true);
    expect((await rejection(s.deliver(lines(1)))).message).toContain('closed');
  });
});
