// RELP acknowledgements against scripted receivers that answer in ways librelp does not: acks
// written a byte at a time, a thousand in one write, in reverse order, for a txnr never sent or
// twice for the same one, and a receiver that counts what we keep in flight. Out-of-order answers
// are valid (librelp's own client looks each one up by txnr); an answer to a txnr that is not
// outstanding breaks the session with a clear error, and nothing is confirmed that was not acked.
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { encodeFrame, FrameParser, type RelpFrame } from '../../src/syslog/relp/frame.js';
import { createSender } from '../../src/syslog/index.js';
import type { SenderEvent, SyslogOptions } from '../../src/syslog/types.js';
import { freePort } from '../support/ports.js';
import { closing, relpOptions } from './senders.js';

interface Session {
  n: number;
  /** syslog frames read on this session and not yet answered, in arrival order. */
  pending: RelpFrame[];
  write(bytes: Buffer | string): void;
  drop(): void;
}

/**
 * A RELP receiver that answers `open` and `close` like librelp and hands every chunk's syslog
 * frames to `onFrames`, which answers (or not) through the session's raw write.
 */
async function scripted(onFrames: (s: Session, frames: RelpFrame[]) => void, nagle = false) {
  let sessions = 0;
  const socks = new Set<net.Socket>();
  const server = net.createServer((sock) => {
    sock.setNoDelay(nagle === false);
    socks.add(sock);
    sock.on('error', () => undefined);
    sock.on('close', () => socks.delete(sock));
    const s: Session = { n: ++sessions, pending: [], write: (b) => void (sock.destroyed || sock.write(b)), drop: () => sock.destroy() };
    const parser = new FrameParser();
    sock.on('data', (chunk: Buffer) => {
      const syslog: RelpFrame[] = [];
      for (const f of parser.push(chunk)) {
        if (f.command === 'open') s.write(encodeFrame(f.txnr, 'rsp', '200 OK\nrelp_version=0\ncommands=syslog'));
        else if (f.command === 'close') s.write(encodeFrame(f.txnr, 'rsp', ''));
        else syslog.push(f);
      }
      if (syslog.length > 0) {
        s.pending.push(...syslog);
        onFrames(s, syslog);
      }
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port,
    sessions: () => sessions,
    close: () => {
      for (const s of socks) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const ok = (txnr: number) => `${txnr} rsp 6 200 OK\n`;

const opts = (port: number, extra: Partial<SyslogOptions> = {}) => relpOptions(port, { retry: { attempts: 3, initialDelayMs: 10, maxDelayMs: 10 }, ...extra });


const lines = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `<134>1 - h a - - - ${tag} ${i} ${'é'.repeat(i % 5)}`);

describe('RELP acknowledgements from a scripted receiver', () => {
  it('acks written one byte per write: every event confirmed once, on one session', async () => {
    const rx = await scripted((s, frames) => {
      for (const f of frames) for (const b of Buffer.from(ok(f.txnr))) s.write(Buffer.from([b]));
    });
    const events = lines(300, 'bytewise');
    try {
      const report = await closing(createSender(opts(rx.port, { relpWindow: 50 })), (s) => s.deliver(events));
      expect(report).toMatchObject({ delivered: 300, bytes: events.reduce((n, e) => n + Buffer.byteLength(e), 0), confirmed: true });
    } finally {
      await rx.close();
    }
    expect(rx.sessions()).toBe(1);
  });

  it('a thousand acks in one write, answered in reverse order: all confirmed, nothing resent', async () => {
    const got: string[] = [];
    let most = 0;
    const answerAll = (s: Session) => {
      most = Math.max(most, s.pending.length);
      s.write(s.pending.reverse().map((f) => ok(f.txnr)).join(''));
      s.pending = [];
    };
    const rx = await scripted((s, frames) => {
      for (const f of frames) got.push(f.data.toString());
      // Newest first, in one write: at once when the whole window is in (the first 1,000), else
      // whatever has arrived a moment later (the sender need not fill its window).
      if (s.pending.length >= 1000) answerAll(s);
      else setTimeout(() => s.pending.length > 0 && answerAll(s), 5);
    });
    const events = lines(3000, 'reverse');
    try {
      const reports = await closing(createSender(opts(rx.port, { relpWindow: 1000 })), (s) => Promise.all([s.deliver(events.slice(0, 1500)), s.deliver(events.slice(1500))]));
      expect(reports.map((r) => r.delivered)).toEqual([1500, 1500]);
    } finally {
      await rx.close();
    }
    expect(got).toEqual(events); // in order, each once
    expect(most).toBe(1000);
    expect(rx.sessions()).toBe(1);
  });

  it('never has more than relpWindow events unanswered at the receiver, whatever the answers look like', async () => {
    let most = 0;
    const answer = (s: Session, k: number) => s.write(s.pending.splice(0, k).map((f) => ok(f.txnr)).join(''));
    const rx = await scripted((s) => {
      most = Math.max(most, s.pending.length);
      // A random-sized part of what waits, oldest first, in one write; the rest a moment later.
      answer(s, Math.ceil(Math.random() * s.pending.length));
      setTimeout(() => answer(s, s.pending.length), 2);
    });
    try {
      const reports = await closing(createSender(opts(rx.port, { relpWindow: 37 })), (s) => Promise.all([0, 1, 2, 3].map((c) => s.deliver(lines(500, `window-${c}`)))));
      expect(reports.map((r) => r.delivered)).toEqual([500, 500, 500, 500]);
    } finally {
      await rx.close();
    }
    expect(most).toBeGreaterThan(0);
    expect(most).toBeLessThanOrEqual(37);
  });

  for (const [what, bogus] of [
    ['an ack for a txnr that was never sent', (first: RelpFrame) => ok(first.txnr + 100_000)],
    ['the same ack twice', (first: RelpFrame) => ok(first.txnr) + ok(first.txnr)],
  ] as const) {
    it(`${what}: the session breaks with a clear error, nothing unacknowledged is confirmed, the rest goes again on a new session`, async () => {
      const bySession = new Map<number, string[]>();
      let resolvedEarly = false;
      let session2 = false;
      const rx = await scripted((s, frames) => {
        bySession.set(s.n, [...(bySession.get(s.n) ?? []), ...frames.map((f) => f.data.toString())]);
        if (s.n === 1 && s.pending.length === frames.length) {
          // Session 1: the first frame is answered (bogusly), the others never.
          s.write(bogus(s.pending[0]!));
          return;
        }
        if (s.n > 1) session2 = true;
        if (s.n > 1) for (const f of frames) s.write(ok(f.txnr));
      });
      const failures: SenderEvent[] = [];
      const events = lines(20, 'bogus');
      try {
        const report = await closing(createSender(opts(rx.port), { onEvent: (e) => e.type === 'attempt-failed' && failures.push(e) }), (s) =>
          s.deliver(events).then((r) => {
            resolvedEarly = !session2;
            return r;
          }),
        );
        expect(report.delivered).toBe(20);
      } finally {
        await rx.close();
      }
      expect(resolvedEarly).toBe(false);
      expect(failures).toHaveLength(1);
      expect(failures[0]).toMatchObject({ type: 'attempt-failed', error: expect.stringMatching(/RELP session to 127\.0\.0\.1:\d+ broke: an answer to txnr \d+, which is not outstanding/) });
      expect(bySession.get(1)).toEqual(events);
      // Session 2 starts at the first event session 1 did not validly acknowledge.
      const acked = what === 'the same ack twice' ? 1 : 0;
      expect(bySession.get(2)).toEqual(events.slice(acked));
      expect(rx.sessions()).toBe(2);
    });
  }
});
