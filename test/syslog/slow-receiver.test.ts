// A receiver that reads slowly (issue 13 item 7): the sender must still get a page through by
// retrying the unconfirmed rest in smaller parts, give up within a bounded number of sessions on a
// receiver that never reads, and stop at once when the run's signal aborts.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { isRelayError, RelayError } from '../../src/errors.js';
import { BatchSizer } from '../../src/syslog/batch-size.js';
import { createSender } from '../../src/syslog/index.js';
import type { StatusSyslogSender, SyslogHost, SyslogOptions } from '../../src/syslog/types.js';

const cleanups: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** One connection as the scripted receiver saw it: the complete LF-framed lines it read, in order. */
interface Session {
  lines: string[];
  /** It read our end of stream and answered with its own close (what the sender counts as confirmed). */
  confirmed: boolean;
}

/**
 * A real TCP server on 127.0.0.1 that reads each connection at about `bytesPerSecond` (paused
 * stream, a small read every 100 ms), keeps what it read in memory, and closes its side once it
 * has read the sender's end of stream, as rsyslog imtcp and syslog-ng do. `bytesPerSecond` 0 never
 * reads at all. Node still pulls up to 64 KiB into the process and the kernel buffers more: like a
 * daemon's socket buffers, those hide the slow reading from the sender until its half-close.
 */
async function slowReceiver(bytesPerSecond: number): Promise<SyslogHost & { sessions: Session[] }> {
  const sessions: Session[] = [];
  const sockets = new Set<net.Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const server = net.createServer({ allowHalfOpen: true, highWaterMark: 1024 }, (s) => {
    sockets.add(s);
    s.pause();
    s.on('error', () => undefined);
    const session: Session = { lines: [], confirmed: false };
    sessions.push(session);
    let partial = '';
    const step = Math.max(1, Math.round(bytesPerSecond / 10));
    const timer = setInterval(() => {
      if (bytesPerSecond === 0 || s.destroyed) return;
      const chunk = s.readableLength > 0 ? (s.read(Math.min(step, s.readableLength)) as Buffer | null) : s.read(0);
      if (!chunk) return;
      const parts = (partial + chunk.toString('utf8')).split('\n');
      partial = parts.pop()!;
      session.lines.push(...parts);
    }, 100);
    timers.add(timer);
    s.on('end', () => {
      session.confirmed = partial === '';
      s.end();
    });
    s.on('close', () => {
      clearInterval(timer);
      timers.delete(timer);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  cleanups.push(() => {
    for (const t of timers) clearInterval(t);
    for (const s of sockets) s.destroy();
    server.close();
  });
  return { host: '127.0.0.1', port: (server.address() as net.AddressInfo).port, sessions };
}

function options(host: SyslogHost, extra: Partial<SyslogOptions> = {}): SyslogOptions {
  return {
    protocol: 'tcp',
    hosts: [{ host: host.host, port: host.port }],
    framing: 'lf',
    connectTimeoutMs: 2_000,
    writeTimeoutMs: 2_000,
    udpMaxBytes: 2048,
    retry: { attempts: 3, initialDelayMs: 50, maxDelayMs: 200 },
    ...extra,
  };
}

function sender(o: SyslogOptions): StatusSyslogSender {
  const s = createSender(o);
  cleanups.push(() => s.close());
  return s;
}

/** `n` numbered CEF-like lines of about `bytes` bytes each. */
function events(n: number, bytes = 800): string[] {
  return Array.from({ length: n }, (_, i) => {
    const head = `<134>1 2024-05-06T07:08:09.123Z relay mdca - - - CEF:0|MCAS|SIEM_Agent|0.1|ALERT|Event ${i}|5|externalId=slow-${i} msg=`;
    return head + 'x'.repeat(Math.max(0, bytes - head.length));
  });
}

const indexOf = (line: string): number => Number(/externalId=slow-(\d+) /.exec(line)?.[1] ?? NaN);

async function rejection(p: Promise<unknown>): Promise<RelayError> {
  try {
    await p;
  } catch (err) {
    expect(isRelayError(err)).toBe(true);
    return err as RelayError;
  }
  throw new Error('expected a rejection');
}

describe('a receiver that reads about 1 KB/s', () => {
  it('gets a 100-event page of 300-byte lines through, every event present and in order, resending only unconfirmed parts', async () => {
    // 30 KB at 1 KB/s: fifteen times the 2 s timeout, so the page can only pass in smaller sessions.
    const rx = await slowReceiver(1024);
    const s = sender(options(rx));
    const batch = events(100, 300);
    const report = await s.deliver(batch);
    expect(report).toMatchObject({ delivered: 100, confirmed: true });

    // What the receiver had confirmed by the time deliver() resolved: every event, nothing missing.
    const confirmed = rx.sessions.filter((x) => x.confirmed);
    const seen = new Map<number, number>();
    for (const x of confirmed) for (const line of x.lines) seen.set(indexOf(line), (seen.get(indexOf(line)) ?? 0) + 1);
    const missing = batch.map((_, i) => i).filter((i) => !seen.has(i));
    expect(missing).toEqual([]);

    // Each session carries a contiguous run of the page, unaltered; sessions start in page order,
    // so a part is never sent after a later one (retried parts repeat, they do not reorder).
    let lastStart = -1;
    for (const x of rx.sessions) {
      if (x.lines.length === 0) continue;
      const first = indexOf(x.lines[0]!);
      expect(x.lines).toEqual(batch.slice(first, first + x.lines.length));
      expect(first).toBeGreaterThanOrEqual(lastStart);
      lastStart = first;
    }
    const duplicates = [...seen.values()].reduce((a, c) => a + c - 1, 0);
    console.log(`slow receiver: ${rx.sessions.length} sessions, ${confirmed.length} confirmed, ${duplicates} duplicate events among the confirmed`);

    // The size that worked is kept: the next page goes out in parts at once, not as one 80 KB session.
    const before = rx.sessions.length;
    const next = events(6).map((l) => l.replace('externalId=slow-', 'externalId=slow-1'));
    await s.deliver(next);
    expect(rx.sessions.length - before).toBeGreaterThan(1);
  }, 240_000);
});

describe('a receiver that never reads', () => {
  it('fails with a clear error after a bounded number of sessions (halving down to one event, then the retry rounds)', async () => {
    const rx = await slowReceiver(0);
    const s = sender(options(rx, { writeTimeoutMs: 300 }));
    const err = await rejection(s.deliver(events(100)));
    expect(err.code).toBe('SYSLOG_SEND_FAILED');
    expect(err.message).toContain('100 events not delivered');
    expect(err.message).toContain('no confirmation');
    expect(err.message).toContain('down to 1 event');
    // 100 -> 50 -> 25 -> 13 -> 7 -> 4 -> 2 -> 1 is 8 sessions, then 2 more rounds of the single event.
    expect(rx.sessions.length).toBe(10);
    expect(s.status().state).toBe('down');
  }, 60_000);
});

describe("the run's abort signal", () => {
  it('rejects at once, sending nothing, when the signal is already aborted', async () => {
    const rx = await slowReceiver(1024);
    const s = sender(options(rx));
    const err = await rejection(s.deliver(events(3), AbortSignal.abort()));
    expect(err.code).toBe('SYSLOG_SEND_FAILED');
    expect(err.message).toMatch(/time budget ended or the run was stopped/);
    expect(rx.sessions).toHaveLength(0);
  });

  it('destroys the session in flight and rejects when the signal aborts mid-delivery', async () => {
    const rx = await slowReceiver(0);
    const s = sender(options(rx, { writeTimeoutMs: 600_000 })); // only the abort can end this delivery
    const stop = new AbortController();
    const pending = rejection(s.deliver(events(10), stop.signal));
    while (rx.sessions.length === 0) await new Promise((r) => setTimeout(r, 20));
    stop.abort();
    const err = await pending;
    expect(err.code).toBe('SYSLOG_SEND_FAILED');
    expect(err.message).toMatch(/time budget ended or the run was stopped/);
    // The sender is still usable afterwards.
    const ok = await slowReceiver(1_000_000);
    const s2 = sender(options(ok));
    await expect(s2.deliver(events(2))).resolves.toMatchObject({ delivered: 2 });
  });
});

describe('the batch size policy', () => {
  it('is unlimited until a session is too slow, then halves per slow failure down to one event', () => {
    const z = new BatchSizer(2_000);
    expect(z.partSize(100)).toBe(100);
    z.tooSlow(100);
    expect(z.partSize(100)).toBe(50);
    z.tooSlow(3);
    expect(z.partSize(100)).toBe(2);
    z.tooSlow(2);
    z.tooSlow(1);
    expect(z.partSize(100)).toBe(1);
  });

  it('doubles after a full-size part confirmed within a quarter of the timeout, and keeps a size that takes longer', () => {
    const z = new BatchSizer(2_000);
    z.tooSlow(8); // limit 4
    z.confirmed(4, 900); // over a quarter: a slow receiver stays slow
    expect(z.partSize(100)).toBe(4);
    z.confirmed(3, 10); // a short last part says nothing about the full size
    expect(z.partSize(100)).toBe(4);
    z.confirmed(4, 400);
    expect(z.partSize(100)).toBe(8);
  });

  it('halves before a failure when a confirmed part took more than half the timeout', () => {
    const z = new BatchSizer(2_000);
    z.tooSlow(16); // limit 8
    z.confirmed(8, 1_500);
    expect(z.partSize(100)).toBe(4);
  });
});
