// Overlapping deliver() calls over TCP (the pipeline keeps several batches in flight): each call
// resolves on its own receiver confirmation and only on it, a broken batch fails alone, at most
// MAX_SESSIONS sessions run at once (counted at the receiver), an abort ends every call at once,
// and into a real syslog-ng every event of many overlapping batches arrives exactly once.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_SESSIONS } from '../../src/syslog/index.js';
import type { SyslogHost, SyslogOptions } from '../../src/syslog/types.js';
import { expectRelayError } from '../support/relay-error.js';
import { startSyslogNg } from '../support/syslog-ng.js';
import { isPending } from '../support/settle.js';
import { tcpSender } from './senders.js';

const cleanups: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const sender = (hosts: SyslogHost[], extra: Partial<SyslogOptions> = {}) => tcpSender(hosts, cleanups, extra);

interface Session {
  sock: net.Socket;
  data: string;
  ended: boolean;
}

/**
 * A receiver that reads every connection and, when the sender half-closes one, asks `onEnd`
 * whether to confirm it (close: the sender's confirmation) or hold it for the test to decide.
 * Counts the connections open at once, and the sessions that carried data and are not closed yet.
 */
async function scriptedReceiver(onEnd: (s: Session) => 'confirm' | 'hold') {
  const open = new Set<net.Socket>();
  const held: Session[] = [];
  let maxOpen = 0;
  let dataOpen = 0;
  let maxDataOpen = 0;
  const server = net.createServer({ allowHalfOpen: true }, (sock) => {
    open.add(sock);
    maxOpen = Math.max(maxOpen, open.size);
    const s: Session = { sock, data: '', ended: false };
    let counted = false;
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => {
      if (!counted) {
        counted = true;
        dataOpen++;
        maxDataOpen = Math.max(maxDataOpen, dataOpen);
      }
      s.data += d;
    });
    sock.on('end', () => {
      s.ended = true;
      if (onEnd(s) === 'confirm') sock.end();
      else held.push(s);
    });
    sock.on('close', () => {
      open.delete(sock);
      if (counted) dataOpen--;
    });
    sock.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  cleanups.push(() => {
    for (const s of open) s.destroy();
    server.close();
  });
  return {
    host: { host: '127.0.0.1', port: (server.address() as net.AddressInfo).port },
    held,
    maxOpen: () => maxOpen,
    maxDataOpen: () => maxDataOpen,
  };
}

const batch = (tag: string, n = 50) => Array.from({ length: n }, (_, i) => `<134>1 2024-05-06T07:08:09Z h app - - - ${tag} event ${i}`);

async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 5));
}

describe('overlapping TCP deliveries', () => {
  it('a later batch confirmed while an earlier one is held resolves alone; the earlier one, reset, fails alone', async () => {
    const rx = await scriptedReceiver((s) => (s.data.includes('first event') ? 'hold' : 'confirm'));
    const s = sender([rx.host]);
    const first = s.deliver(batch('first'));
    first.catch(() => undefined);
    const second = s.deliver(batch('second'));
    await until(() => rx.held.length === 1);
    const report = await second; // confirmed on its own connection, with its own settle check
    expect(report).toMatchObject({ delivered: 50, confirmed: true });
    expect(await isPending(first)).toBe(true); // its close never came: not delivered
    rx.held[0]!.sock.resetAndDestroy(); // the receiver drops the first batch's session
    const err = await expectRelayError(first, 'SYSLOG_SEND_FAILED');
    expect(err.message).toMatch(/50 events not delivered/);
  });

  it(`runs at most ${MAX_SESSIONS} sessions at once; calls beyond wait and all are confirmed`, async () => {
    let hold = true;
    const rx = await scriptedReceiver(() => (hold ? 'hold' : 'confirm'));
    const s = sender([rx.host]);
    const calls = Array.from({ length: 3 * MAX_SESSIONS }, (_, i) => s.deliver(batch(`b${i}`)));
    await until(() => rx.held.length >= MAX_SESSIONS);
    expect(rx.maxDataOpen()).toBe(MAX_SESSIONS); // the others wait for a session, not on the wire
    hold = false;
    for (const h of rx.held.splice(0)) h.sock.end();
    const reports = await Promise.all(calls);
    expect(reports.every((r) => r.confirmed && r.delivered === 50)).toBe(true);
    expect(rx.maxDataOpen()).toBeLessThanOrEqual(MAX_SESSIONS);
    // Sessions plus their settle-check connections and the few kept for reuse.
    expect(rx.maxOpen()).toBeLessThanOrEqual(MAX_SESSIONS + 2);
  });

  it('an abort ends every running and waiting call at once, and close() returns', async () => {
    const rx = await scriptedReceiver(() => 'hold');
    const s = sender([rx.host]);
    const stop = new AbortController();
    const calls = Array.from({ length: MAX_SESSIONS + 2 }, (_, i) => s.deliver(batch(`a${i}`), stop.signal));
    for (const c of calls) c.catch(() => undefined);
    await until(() => rx.held.length >= MAX_SESSIONS);
    stop.abort();
    for (const c of calls) await expectRelayError(c, 'SYSLOG_SEND_FAILED');
    await s.close();
  });

  it('into syslog-ng: 40 overlapping batches arrive whole, each event once, each batch in its own order', async () => {
    const r = await startSyslogNg({ mode: 'tcp-lf', raw: true });
    cleanups.push(() => r.stop());
    const s = sender([{ host: r.host, port: r.port }]);
    const batches = Array.from({ length: 40 }, (_, b) => batch(`o${b}`, 100));
    await Promise.all(batches.map((lines) => s.deliver(lines)));
    const got = await r.waitForLines(4_000);
    expect(got.length).toBe(4_000);
    expect(new Set(got).size).toBe(4_000);
    for (const lines of batches) {
      const tag = lines[0]!.split(' ').at(-3)!;
      expect(got.filter((l) => l.includes(` ${tag} event `))).toEqual(lines); // may interleave with others, never reordered within
    }
  });
});
