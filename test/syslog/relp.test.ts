// RELP against the real rsyslog imrelp: events arrive byte for byte and in order, one session
// carries many batches, and relp-tls checks the receiver's certificate (and presents ours when
// the receiver requires it).
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeFrame, FrameParser, type RelpFrame } from '../../src/syslog/relp/frame.js';
import { loadConfig } from '../../src/config/load.js';
import { createSender } from '../../src/syslog/index.js';
import type { SyslogOptions } from '../../src/syslog/types.js';
import { freePort } from '../support/ports.js';
import { expectRelayError, expectRelayErrorSync } from '../support/relay-error.js';
import { fakeToken } from '../support/secrets.js';
import { startRsyslog, type Receiver } from '../support/rsyslog.js';
import { createTlsFiles, type TlsFiles } from '../support/tls-certs.js';
import { testEvents } from './events.js';
import { closing, relpOptions } from './senders.js';
import { countingProxy } from '../support/counting-proxy.js';

let pki: TlsFiles;
let other: TlsFiles; // an unrelated CA
let relp: Receiver;
let relpTls: Receiver;
let relpMutual: Receiver;
beforeAll(async () => {
  [pki, other] = await Promise.all([createTlsFiles(), createTlsFiles()]);
  [relp, relpTls, relpMutual] = await Promise.all([
    startRsyslog({ mode: 'relp', raw: true, ackMeansWritten: true }),
    startRsyslog({ mode: 'relp-tls', raw: true, tls: pki, ackMeansWritten: true }),
    startRsyslog({ mode: 'relp-tls', raw: true, tls: pki, ackMeansWritten: true, requireClientCert: true }),
  ]);
}, 60_000);
afterAll(async () => {
  await Promise.all([relp?.stop(), relpTls?.stop(), relpMutual?.stop()]);
  await Promise.all([pki?.cleanup(), other?.cleanup()]);
});

const opts = relpOptions;

/** Lines of the receiver's file that carry `tag` (each test uses its own). */
async function tagged(r: Receiver, tag: string): Promise<string[]> {
  return (await r.lines()).filter((l) => l.includes(tag));
}



describe('RELP into rsyslog imrelp', () => {
  it('delivers events byte for byte: RFC 5424 and 3164 headers, UTF-8, escapes, a 600-byte note, a 60 KB event', async () => {
    const tag = 'bytes-1f3a';
    const lines = [...testEvents(0, 8, tag).map((e) => e.line), `<134>1 - h a - - - ${tag} ${'y'.repeat(60_000)} end`];
    const report = await closing(createSender(opts(relp.port)), (s) => s.deliver(lines));
    expect(report).toMatchObject({ delivered: lines.length, confirmed: true, host: { port: relp.port } });
    expect(report.bytes).toBe(lines.reduce((sum, l) => sum + Buffer.byteLength(l), 0));
    // With the "ack means written" configuration the lines are in the file when deliver() resolves.
    expect(await tagged(relp, tag)).toEqual(lines);
  });

  it('delivers 10,000 events in order over one session kept open across 100 deliveries', async () => {
    const tag = 'order-7c2e';
    const proxy = await countingProxy({ port: relp.port });
    const events = testEvents(0, 10_000, tag).map((e) => e.line);
    try {
      await closing(createSender(opts(proxy.port)), async (s) => {
        for (let i = 0; i < events.length; i += 100) {
          const r = await s.deliver(events.slice(i, i + 100));
          expect(r.delivered).toBe(100);
        }
      });
    } finally {
      await proxy.close();
    }
    expect(await tagged(relp, tag)).toEqual(events);
    expect(proxy.connections()).toBe(1);
  }, 60_000);

  it('keeps call order when deliveries overlap (each resolves once its own events are acknowledged)', async () => {
    const tag = 'overlap-55d1';
    const batches = Array.from({ length: 10 }, (_, b) => testEvents(b * 50, 50, tag).map((e) => e.line));
    const reports = await closing(createSender(opts(relp.port)), (s) => Promise.all(batches.map((b) => s.deliver(b))));
    expect(reports.map((r) => r.delivered)).toEqual(batches.map(() => 50));
    expect(await tagged(relp, tag)).toEqual(batches.flat());
  });

  it('a receiver that is not listening: SYSLOG_UNREACHABLE, nothing waits', async () => {
    const port = await freePort();
    await closing(createSender(opts(port)), async (s) => {
      const err = await expectRelayError(s.deliver(['<134>1 - h a - - - nobody']), 'SYSLOG_UNREACHABLE', 'send');
      expect(err.message).toMatch(/1 events not delivered/);
      expect(s.status()).toMatchObject({ state: 'down', consecutiveFailures: 1 });
    });
  });

  it('a plain TCP syslog listener is not a RELP receiver: the open is not answered, SYSLOG_UNREACHABLE', async () => {
    const tcp = await startRsyslog({ mode: 'tcp-lf', raw: true });
    try {
      await closing(createSender(opts(tcp.port, { connectTimeoutMs: 1_000 })), async (s) => {
        await expectRelayError(s.deliver(['<134>1 - h a - - - not relp']), 'SYSLOG_UNREACHABLE', 'send');
      });
    } finally {
      await tcp.stop();
    }
  });
});

describe('RELP over TLS (relp-tls)', () => {
  const tlsOpts = (r: Receiver, tls: SyslogOptions['tls']) => opts(r.port, { protocol: 'relp-tls', tls });

  it('delivers when the receiver certificate chains to the given CA', async () => {
    const tag = 'tls-ok-91b0';
    const lines = testEvents(0, 20, tag).map((e) => e.line);
    await closing(createSender(tlsOpts(relpTls, { ca: pki.ca })), (s) => s.deliver(lines));
    expect(await tagged(relpTls, tag)).toEqual(lines);
  });

  it('refuses a receiver whose certificate does not chain to the given CA: nothing is sent', async () => {
    const tag = 'tls-bad-ca-3d4e';
    await closing(createSender(tlsOpts(relpTls, { ca: other.ca })), async (s) => {
      const err = await expectRelayError(s.deliver([`<134>1 - h a - - - ${tag}`]), 'SYSLOG_UNREACHABLE', 'send');
      expect(err.message).toMatch(/certificate/i);
    });
    // Marker after the refused event: once it is in, the refused one would be too.
    const marker = `<134>1 - h a - - - marker-${tag}`;
    await closing(createSender(tlsOpts(relpTls, { ca: pki.ca })), (s) => s.deliver([marker]));
    const all = await relpTls.waitFor((l) => l.includes(marker));
    expect(all.filter((l) => l.includes(tag))).toEqual([marker]);
  });

  it('refuses a certificate that does not name the host (tls.servername checked)', async () => {
    await closing(createSender(tlsOpts(relpTls, { ca: pki.ca, servername: 'siem.example.org' })), async (s) => {
      const err = await expectRelayError(s.deliver(['<134>1 - h a - - - wrong name']), 'SYSLOG_UNREACHABLE', 'send');
      expect(err.message).toMatch(/siem\.example\.org|altnames|does not match/i);
    });
  });

  it('mutual TLS: delivers with a client certificate signed by the receiver CA', async () => {
    const tag = 'mtls-ok-0a7b';
    const lines = testEvents(0, 20, tag).map((e) => e.line);
    await closing(createSender(tlsOpts(relpMutual, { ca: pki.ca, cert: pki.clientCert, key: pki.clientKey })), (s) => s.deliver(lines));
    expect(await tagged(relpMutual, tag)).toEqual(lines);
  });

  it('mutual TLS: without a client certificate the receiver refuses the session, nothing is written', async () => {
    const tag = 'mtls-none-6e2f';
    await closing(createSender(tlsOpts(relpMutual, { ca: pki.ca })), async (s) => {
      await expectRelayError(s.deliver([`<134>1 - h a - - - ${tag}`]), 'SYSLOG_UNREACHABLE', 'send');
    });
    const marker = `<134>1 - h a - - - marker-${tag}`;
    await closing(createSender(tlsOpts(relpMutual, { ca: pki.ca, cert: pki.clientCert, key: pki.clientKey })), (s) => s.deliver([marker]));
    const all = await relpMutual.waitFor((l) => l.includes(marker));
    expect(all.filter((l) => l.includes(tag))).toEqual([marker]);
  });

  it('mutual TLS: a client certificate from another CA is refused too (the receiver checks the chain, not only that one is presented)', async () => {
    const tag = 'mtls-other-ca-8c1d';
    await closing(createSender(tlsOpts(relpMutual, { ca: pki.ca, cert: other.clientCert, key: other.clientKey })), async (s) => {
      await expectRelayError(s.deliver([`<134>1 - h a - - - ${tag}`]), 'SYSLOG_UNREACHABLE', 'send');
    });
    const marker = `<134>1 - h a - - - marker-${tag}`;
    await closing(createSender(tlsOpts(relpMutual, { ca: pki.ca, cert: pki.clientCert, key: pki.clientKey })), (s) => s.deliver([marker]));
    const all = await relpMutual.waitFor((l) => l.includes(marker));
    expect(all.filter((l) => l.includes(tag))).toEqual([marker]);
  });
});

/**
 * A scripted RELP receiver: answers `open` like librelp, then hands every `syslog` frame to
 * `onEvent(session, frame, reply)`; `reply(code)` answers it. Sessions are numbered from 1.
 */
async function scriptedRelp(onEvent: (session: number, f: RelpFrame, reply: (answer: string) => void) => void) {
  let sessions = 0;
  const socks = new Set<net.Socket>();
  const server = net.createServer((sock) => {
    const session = ++sessions;
    socks.add(sock);
    sock.on('error', () => undefined);
    sock.on('close', () => socks.delete(sock));
    const parser = new FrameParser();
    sock.on('data', (chunk: Buffer) => {
      for (const f of parser.push(chunk)) {
        const reply = (answer: string) => sock.write(encodeFrame(f.txnr, 'rsp', answer));
        if (f.command === 'open') reply('200 OK\nrelp_version=0\nrelp_software=scripted\ncommands=syslog');
        else if (f.command === 'close') reply('');
        else onEvent(session, f, reply);
      }
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port,
    sessions: () => sessions,
    /** Drops every connection at once (a receiver killed: no serverclose, no answers). */
    dropAll: () => {
      for (const s of socks) s.destroy();
    },
    close: () => {
      for (const s of socks) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('RELP against a scripted receiver', () => {
  it('resends every unacknowledged event on a new session when acks stop (writeTimeoutMs), in order', async () => {
    const got: Array<[number, string]> = [];
    const rx = await scriptedRelp((session, f, reply) => {
      got.push([session, f.data.toString()]);
      if (session > 1 || got.length <= 3) reply('200 OK'); // session 1 acks 3 events, then goes silent
    });
    const lines = Array.from({ length: 10 }, (_, i) => `<134>1 - h a - - - ack-timeout ${i}`);
    try {
      const report = await closing(createSender(opts(rx.port, { writeTimeoutMs: 300, retry: { attempts: 3, initialDelayMs: 10, maxDelayMs: 10 } })), (s) => s.deliver(lines));
      expect(report.delivered).toBe(10);
    } finally {
      await rx.close();
    }
    expect(got.filter(([s]) => s === 1).map(([, l]) => l)).toEqual(lines); // all 10 went in the window
    expect(got.filter(([s]) => s === 2).map(([, l]) => l)).toEqual(lines.slice(3)); // only the unacknowledged again
  });

  it('8 overlapping deliveries with a session break in the middle: every event delivered, each call resolves only once its own events are acknowledged, call order kept', async () => {
    const calls = Array.from({ length: 8 }, (_, c) => Array.from({ length: 100 }, (_, i) => `<134>1 - h a - - - overlap-break ${c}-${i}`));
    const acked = new Set<string>(); // events the receiver has answered 200 to, when it answered
    const got: Array<[number, string]> = [];
    let opened2 = false;
    let dropped = false;
    // Session 1 acknowledges the first 250 events, reads 50 more without answering, then drops the
    // connection (a receiver killed with frames in its window); session 2 acknowledges everything.
    const rx = await scriptedRelp((session, f, reply) => {
      const text = f.data.toString();
      if (session === 1 && dropped) return; // frames still in the chunk parsed before the drop
      got.push([session, text]);
      if (session > 1) opened2 = true;
      const n = got.length;
      if (session === 1 && n === 300) {
        dropped = true;
        return rx.dropAll();
      }
      if (session === 1 && n > 250) return;
      acked.add(text);
      reply('200 OK');
    });
    const early: boolean[] = []; // per call: resolved while session 1 was the only one
    const unackedAtResolve: string[][] = [];
    try {
      await closing(createSender(opts(rx.port, { retry: { attempts: 3, initialDelayMs: 10, maxDelayMs: 10 } })), async (s) => {
        const reports = await Promise.all(
          calls.map((events, c) =>
            s.deliver(events).then((report) => {
              early[c] = !opened2;
              unackedAtResolve[c] = events.filter((e) => !acked.has(e));
              return report;
            }),
          ),
        );
        expect(reports.map((r) => r.delivered)).toEqual(calls.map(() => 100));
      });
    } finally {
      await rx.close();
    }
    expect(unackedAtResolve).toEqual(calls.map(() => []));
    // Calls 0 and 1 were acknowledged on session 1 and did not wait for the break to heal.
    expect(early.slice(0, 2)).toEqual([true, true]);
    expect(early.slice(2)).toEqual([false, false, false, false, false, false]);
    const all = calls.flat();
    // Session 2 starts at the first unacknowledged event (250) and carries the rest in call order.
    expect(got.filter(([s]) => s === 2).map(([, l]) => l)).toEqual(all.slice(250));
    expect(got.filter(([s]) => s === 1).map(([, l]) => l)).toEqual(all.slice(0, 300));
    expect(rx.sessions()).toBe(2);
  });

  it('an event the receiver refuses (500) rejects its delivery with SYSLOG_SEND_FAILED and the reason', async () => {
    const rx = await scriptedRelp((_, f, reply) => reply(f.data.toString().includes('bad') ? '500 message too long' : '200 OK'));
    try {
      await closing(createSender(opts(rx.port)), async (s) => {
        const err = await expectRelayError(s.deliver(['<134>1 - h a - - - good', '<134>1 - h a - - - bad']), 'SYSLOG_SEND_FAILED', 'send');
        expect(err.message).toMatch(/event 1 of 2 refused by 127\.0\.0\.1:\d+: 500 message too long/);
        // The session survives a refusal: the next delivery goes through on it.
        expect((await s.deliver(['<134>1 - h a - - - good again'])).delivered).toBe(1);
      });
    } finally {
      await rx.close();
    }
    expect(rx.sessions()).toBe(1);
  });

  it("the run's abort signal rejects at once while acks are outstanding, without counting a receiver failure", async () => {
    let received = 0;
    const rx = await scriptedRelp(() => void received++); // never acknowledges
    const stop = new AbortController();
    try {
      await closing(createSender(opts(rx.port, { writeTimeoutMs: 60_000 })), async (s) => {
        const p = s.deliver(['<134>1 - h a - - - a', '<134>1 - h a - - - b'], stop.signal);
        for (let t = Date.now(); received < 2 && Date.now() - t < 10_000; ) await new Promise((r) => setTimeout(r, 10));
        stop.abort();
        const err = await expectRelayError(p, 'SYSLOG_SEND_FAILED', 'send');
        expect(err.message).toMatch(/time budget ended or the run was stopped/);
        expect(s.status()).toMatchObject({ state: 'unknown', outages: 0 });
      });
    } finally {
      await rx.close();
    }
    expect(received).toBe(2);
  });
});

describe('RELP settings', () => {
  const base = { MDCA_PORTAL_URL: 'https://contoso.eu2.portal.cloudappsecurity.com', MDCA_TOKEN: fakeToken('relp settings token'), SYSLOG_HOST: '10.1.2.3', RELAY_STATE_DIR: '/tmp/relp-settings-unused' };

  it('SYSLOG_PROTOCOL=relp-tls takes the SYSLOG_TLS_* settings; relp refuses them (the link would not be encrypted)', () => {
    const c = loadConfig({ ...base, SYSLOG_PROTOCOL: 'relp-tls', SYSLOG_PORT: '2514', SYSLOG_TLS_CA: pki.ca, SYSLOG_TLS_CERT: pki.clientCert, SYSLOG_TLS_KEY: pki.clientKey }, 'cli');
    expect(c.syslog).toMatchObject({ protocol: 'relp-tls', hosts: [{ host: '10.1.2.3', port: 2514 }], tls: { ca: pki.ca, cert: pki.clientCert } });
    expect(loadConfig({ ...base, SYSLOG_PROTOCOL: 'relp' }, 'cli').syslog.protocol).toBe('relp');
    const err = expectRelayErrorSync(() => loadConfig({ ...base, SYSLOG_PROTOCOL: 'relp', SYSLOG_TLS_CA: pki.ca }, 'cli'), 'CONFIG_INVALID', 'config');
    expect(err.message).toMatch(/SYSLOG_TLS_CA: is set but SYSLOG_PROTOCOL is relp/);
  });

  it('createSender refuses a bad window and TLS options on plain relp', () => {
    const err = expectRelayErrorSync(() => createSender({ ...opts(1), relpWindow: 0, tls: { ca: pki.ca } }), 'CONFIG_INVALID', 'config');
    expect(err.message).toMatch(/relpWindow: must be an integer 1-10000/);
    expect(err.message).toMatch(/tls: is set but protocol is relp/);
  });
});
