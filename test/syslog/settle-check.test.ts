// The TCP settle check run outside the session slots (src/syslog/settle-check.ts): a batch is
// confirmed only when a connection to the receiver is still open confirmSettleMs after the
// receiver's close, with several batches settling at once on one shared connection. Attacked with
// real processes killed right after reading (syslog-ng, rsyslog, and a receiver process that holds
// a session after reading it, so the kill itself is the close the sender sees), a receiver closing
// idle connections, an abort and close() during the settle, and a receiver counting connections.
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { isRelayError } from '../../src/errors.js';
import { MAX_CONNECTIONS, MAX_SESSIONS } from '../../src/syslog/index.js';
import type { DeliveryReport, SyslogHost, SyslogOptions } from '../../src/syslog/types.js';
import { freePort } from '../support/ports.js';
import { DAEMONS } from '../support/receivers.js';
import { expectRelayError } from '../support/relay-error.js';
import { isPending } from '../support/settle.js';
import { startSyslogNg } from '../support/syslog-ng.js';
import { seqOf, testEvents } from './events.js';
import { tcpSender } from './senders.js';
import { countingProxy } from '../support/counting-proxy.js';

const cleanups: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const sender = (hosts: SyslogHost[], extra: Partial<SyslogOptions> = {}) => tcpSender(hosts, cleanups, extra);

const batch = (tag: string, n = 50) => Array.from({ length: n }, (_, i) => `<134>1 2024-05-06T07:08:09Z h app - - - ${tag} event ${i}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await sleep(5);
}

/** Tracks how a deliver() call ended, without awaiting it. */
function watch(p: Promise<DeliveryReport>) {
  const w = { resolved: false, rejected: undefined as unknown, done: p.then(() => undefined, () => undefined) };
  p.then(
    () => (w.resolved = true),
    (err: unknown) => (w.rejected = err),
  );
  return w;
}

/**
 * A receiver in its own process, so that a SIGKILL closes its sessions, its listener and the
 * sender's settle-check connection at once, as a crashed daemon's do. It reads every session to
 * the end; a session whose data holds "HOLD" is then held open (read, not yet answered: the kill
 * is the close the sender sees), any other is closed at once (the sender's confirmation). It
 * reports each session it read to the end on stdout.
 */
async function startReceiverProcess(): Promise<SyslogHost & { ended: () => number; kill: () => Promise<void> }> {
  const port = await freePort();
  const script = `
    const net = require('node:net');
    net.createServer({ allowHalfOpen: true }, (s) => {
      let data = '';
      s.setEncoding('utf8');
      s.on('data', (d) => (data += d));
      s.on('end', () => {
        if (data.length > 0) process.stdout.write('ended\\n');
        if (!data.includes('HOLD')) s.end();
      });
      s.on('error', () => undefined);
    }).listen(${port}, '127.0.0.1', () => process.stdout.write('listening\\n'));`;
  const child: ChildProcess = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (d: string) => (out += d));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  cleanups.push(async () => {
    child.kill('SIGKILL');
    await exited;
  });
  await until(() => out.includes('listening'));
  return {
    host: '127.0.0.1',
    port,
    ended: () => out.split('\n').filter((l) => l === 'ended').length,
    kill: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

interface Conn {
  sock: net.Socket;
  data: string;
}

/**
 * An in-process receiver that confirms every session (closes when it read our end) and counts the
 * connections open at once. `onConfirm` runs after each confirmation with the connections that
 * never carried data (the sender's settle-check connections), e.g. to close them.
 */
async function countingReceiver(onConfirm: (idle: Conn[]) => void = () => undefined) {
  const open = new Set<Conn>();
  let maxOpen = 0;
  let confirmed = 0;
  let idleEnded = 0;
  const server = net.createServer({ allowHalfOpen: true }, (sock) => {
    const c: Conn = { sock, data: '' };
    open.add(c);
    maxOpen = Math.max(maxOpen, open.size);
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => (c.data += d));
    sock.on('end', () => {
      if (c.data.length === 0) {
        idleEnded++;
        sock.end(); // the sender released a settle-check connection
        return;
      }
      sock.end();
      confirmed++;
      onConfirm([...open].filter((x) => x.data.length === 0 && x !== c));
    });
    sock.on('close', () => open.delete(c));
    sock.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const killAll = () => {
    server.close();
    for (const c of open) c.sock.destroy();
  };
  cleanups.push(killAll);
  return {
    host: { host: '127.0.0.1', port: (server.address() as net.AddressInfo).port },
    open: () => open.size,
    idleOpen: () => [...open].filter((c) => c.data.length === 0).length,
    maxOpen: () => maxOpen,
    confirmed: () => confirmed,
    /** Connections the sender closed without sending anything (settle-check connections it let go). */
    idleEnded: () => idleEnded,
    /** As a process death: the listener and every connection go at once. */
    die: killAll,
  };
}

describe('a receiver killed right after reading', () => {
  it(`syslog-ng with ${MAX_SESSIONS} batches in flight: every batch still settling fails, none resolves`, async () => {
    const r = await startSyslogNg({ mode: 'tcp-lf', raw: true });
    cleanups.push(() => r.stop());
    // A settle long enough that the kill lands inside every batch's settle whatever the machine's load.
    const s = sender([{ host: r.host, port: r.port }], { confirmSettleMs: 30_000 });
    const calls = Array.from({ length: MAX_SESSIONS }, (_, b) => watch(s.deliver(batch(`k${b}`, 200))));
    await r.waitForLines(MAX_SESSIONS * 200); // syslog-ng read (and closed) every session
    expect(calls.every((c) => !c.resolved && c.rejected === undefined)).toBe(true); // all settling
    await r.kill();
    await Promise.all(calls.map((c) => c.done));
    for (const c of calls) {
      expect(c.resolved).toBe(false);
      expect(isRelayError(c.rejected, 'SYSLOG_SEND_FAILED')).toBe(true);
      expect((c.rejected as Error).message).toMatch(/not confirmed: the receiver (closed, then refused a new connection|went away right after closing)/);
    }
  });

  it(`the kill itself closes ${MAX_SESSIONS} sessions the receiver had read: all fail, none resolves`, async () => {
    const rx = await startReceiverProcess();
    const s = sender([rx], { confirmSettleMs: 30_000 });
    const calls = Array.from({ length: MAX_SESSIONS }, (_, b) => watch(s.deliver(batch(`HOLD${b}`))));
    await until(() => rx.ended() === MAX_SESSIONS); // read to our end, not answered
    await rx.kill(); // its kernel closes them with a FIN: to the sender, each looks confirmed
    await Promise.all(calls.map((c) => c.done));
    for (const c of calls) {
      expect(c.resolved).toBe(false);
      expect((c.rejected as Error).message).toMatch(/not confirmed: the receiver closed, then refused a new connection/);
    }
  });

  it("a kill during another batch's settle fails both", async () => {
    const rx = await startReceiverProcess();
    const s = sender([rx], { confirmSettleMs: 30_000 });
    const settling = watch(s.deliver(batch('first'))); // answered at once: settling
    await until(() => rx.ended() === 1);
    const held = watch(s.deliver(batch('HOLD second'))); // read, held: the kill answers it
    await until(() => rx.ended() === 2);
    expect(settling.resolved || held.resolved).toBe(false);
    await rx.kill();
    await Promise.all([settling.done, held.done]);
    expect(isRelayError(settling.rejected, 'SYSLOG_SEND_FAILED')).toBe(true);
    expect(isRelayError(held.rejected, 'SYSLOG_SEND_FAILED')).toBe(true);
    expect(settling.resolved || held.resolved).toBe(false);
  });

  for (const [name, start] of DAEMONS) {
    it(`${name} killed 8 times at random moments with ${MAX_SESSIONS} batches in flight: every batch deliver() confirmed is in the file`, async () => {
      const receiver = await start({ mode: 'tcp-octet', raw: true });
      cleanups.push(() => receiver.stop());
      const s = sender([{ host: receiver.host, port: receiver.port }], { framing: 'octet-counting', writeTimeoutMs: 3_000 });
      const BATCH = 200;
      const confirmed: number[] = [];
      let failures = 0;
      let killing = true;
      const killer = (async () => {
        for (let k = 0; k < 8; k++) {
          await sleep(60 + Math.random() * 140);
          await receiver.kill();
          await sleep(30 + Math.random() * 80);
          await receiver.restart();
        }
        killing = false;
      })();
      let next = 0;
      const worker = async () => {
        for (let after = 0; killing || after < 3; ) {
          const first = next;
          next += BATCH;
          for (;;) {
            try {
              await s.deliver(testEvents(first, BATCH, 'k4').map((e) => e.line));
              confirmed.push(first);
              break;
            } catch (err) {
              expect(isRelayError(err)).toBe(true);
              failures++;
              await sleep(20);
            }
          }
          if (!killing) after++;
        }
      };
      await Promise.all([killer, ...Array.from({ length: MAX_SESSIONS }, worker)]);
      const want = confirmed.flatMap((f) => Array.from({ length: BATCH }, (_, k) => f + k));
      const got = await receiver.waitFor((lines) => {
        const seen = new Set(lines.map((l) => seqOf(l, 'k4')));
        return want.every((q) => seen.has(q));
      }, 10_000).catch(() => receiver.lines());
      const seen = new Set(got.map((l) => seqOf(l, 'k4')));
      const missing = want.filter((q) => !seen.has(q));
      expect(missing).toEqual([]);
      expect(failures).toBeGreaterThan(0); // the kills did hit batches in flight
      expect(confirmed.length).toBeGreaterThan(MAX_SESSIONS);
    });
  }
});

describe('a receiver that closes idle connections', () => {
  it('closing the settle-check connection during a settle fails no batch: one retry on a fresh connection', async () => {
    let closedIdle = 0;
    let closeIdle = false;
    const rx = await countingReceiver((idle) => {
      if (!closeIdle) return;
      for (const c of idle) {
        closedIdle++;
        c.sock.end(); // its own reasons (an idle timeout), while the first batch settles on it
      }
    });
    const s = sender([rx.host], { confirmSettleMs: 1_000 });
    const first = s.deliver(batch('first'));
    await until(() => rx.confirmed() === 1 && rx.idleOpen() === 1); // first settling on the witness
    closeIdle = true;
    const second = s.deliver(batch('second'));
    await until(() => rx.confirmed() === 2);
    expect(closedIdle).toBeGreaterThan(0);
    expect(await isPending(first)).toBe(true);
    await expect(first).resolves.toMatchObject({ delivered: 50, confirmed: true });
    await expect(second).resolves.toMatchObject({ delivered: 50, confirmed: true });
  });

  it('a receiver that accepts and at once closes every further connection (as at its connection limit) fails the batch: the retry is once, and the error says why', async () => {
    let full = false;
    const server = net.createServer({ allowHalfOpen: true }, (sock) => {
      sock.on('error', () => undefined);
      if (full) {
        sock.end(); // syslog-ng over max-connections() does this
        return;
      }
      sock.resume();
      sock.on('end', () => {
        full = true;
        sock.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
    const s = sender([{ host: '127.0.0.1', port: (server.address() as net.AddressInfo).port }], { confirmSettleMs: 500 });
    const err = await expectRelayError(s.deliver(batch('x')), 'SYSLOG_SEND_FAILED');
    expect(err.message).toContain('closed during the settle check twice');
    expect(err.message).toContain(`must allow ${MAX_CONNECTIONS}`);
  });
});

describe('abort and close during the settle', () => {
  it("an abort ends the aborted batch's settle at once; another batch settling on the same connection still resolves", async () => {
    const rx = await countingReceiver();
    const s = sender([rx.host], { confirmSettleMs: 1_000 });
    const stop = new AbortController();
    const aborted = s.deliver(batch('a'), stop.signal);
    const other = s.deliver(batch('b'));
    await until(() => rx.confirmed() === 2 && rx.idleOpen() >= 1); // both settling
    expect(await isPending(aborted)).toBe(true);
    stop.abort();
    const err = await expectRelayError(aborted, 'SYSLOG_SEND_FAILED');
    expect(err.message).toMatch(/stopped/);
    expect(await isPending(other)).toBe(true);
    await expect(other).resolves.toMatchObject({ delivered: 50, confirmed: true });
  });

  it('close() waits for the batches settling, which resolve; then no connection stays open', async () => {
    const rx = await countingReceiver();
    const s = sender([rx.host], { confirmSettleMs: 800 });
    const calls = Array.from({ length: MAX_SESSIONS }, (_, b) => watch(s.deliver(batch(`c${b}`))));
    await until(() => rx.confirmed() === MAX_SESSIONS);
    const closing = s.close();
    expect(await isPending(closing)).toBe(true); // still settling
    await closing;
    expect(calls.every((c) => c.resolved)).toBe(true);
    await until(() => rx.open() === 0);
  });

  it('close() does not skip the check: a receiver that dies during it fails the batches settling', async () => {
    const rx = await countingReceiver();
    const s = sender([rx.host], { confirmSettleMs: 30_000 });
    const calls = Array.from({ length: MAX_SESSIONS }, (_, b) => watch(s.deliver(batch(`d${b}`))));
    await until(() => rx.confirmed() === MAX_SESSIONS && rx.idleOpen() >= 1);
    const closing = s.close();
    rx.die();
    await closing;
    for (const c of calls) {
      expect(c.resolved).toBe(false);
      expect(isRelayError(c.rejected, 'SYSLOG_SEND_FAILED')).toBe(true);
    }
    await expectRelayError(s.deliver(batch('late')), 'SYSLOG_SEND_FAILED');
  });
});

describe(`connections to one receiver: at most MAX_CONNECTIONS (${MAX_CONNECTIONS})`, () => {
  it(`into syslog-ng through a counting proxy, ${3 * MAX_SESSIONS} callers with batches in flight: never more, every event once`, async () => {
    const r = await startSyslogNg({ mode: 'tcp-lf', raw: true });
    cleanups.push(() => r.stop());
    const proxy = await countingProxy({ host: r.host, port: r.port });
    cleanups.push(() => proxy.close());
    const s = sender([proxy.host]);
    const batches = Array.from({ length: 60 }, (_, b) => batch(`n${b}`, 300));
    let next = 0;
    const caller = async () => {
      for (let b = next++; b < batches.length; b = next++) await s.deliver(batches[b]!);
    };
    await Promise.all(Array.from({ length: 3 * MAX_SESSIONS }, caller));
    const got = await r.waitForLines(60 * 300);
    expect(new Set(got).size).toBe(60 * 300);
    expect(proxy.maxOpen()).toBeGreaterThan(MAX_SESSIONS); // sessions and settle checks did overlap
    expect(proxy.maxOpen()).toBeLessThanOrEqual(MAX_CONNECTIONS);
  });

  it('with settles longer than the sessions, witnesses rotating, and the receiver once closing its idle connections: never more', async () => {
    let confirmations = 0;
    const rx = await countingReceiver((idle) => {
      if (++confirmations === 60) for (const c of idle) c.sock.end(); // once, mid-run
    });
    const s = sender([rx.host], { confirmSettleMs: 100 });
    const t0 = performance.now();
    let n = 0;
    const caller = async () => {
      // Past WITNESS_MAX_AGE_MS (1 s) twice, so the witness is replaced under load.
      while (performance.now() - t0 < 2_500) await s.deliver(batch(`m${n++}`, 20));
    };
    await Promise.all(Array.from({ length: 2 * MAX_SESSIONS }, caller));
    expect(confirmations).toBeGreaterThan(60);
    await s.close();
    expect(rx.idleEnded()).toBeGreaterThanOrEqual(2); // replaced at least twice, then closed
    expect(rx.maxOpen()).toBeLessThanOrEqual(MAX_CONNECTIONS);
  });
});

describe('order between calls', () => {
  it('calls waiting for a session start in call order', async () => {
    const order: string[] = [];
    const heldSocks: net.Socket[] = [];
    let hold = true;
    const server = net.createServer({ allowHalfOpen: true }, (sock) => {
      let data = '';
      sock.setEncoding('utf8');
      sock.on('data', (d: string) => {
        if (data === '') order.push(d.split(' ')[7]!);
        data += d;
      });
      sock.on('end', () => {
        if (hold && data) heldSocks.push(sock);
        else sock.end();
      });
      sock.on('error', () => undefined);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
    const s = sender([{ host: '127.0.0.1', port: (server.address() as net.AddressInfo).port }], { confirmSettleMs: 5 });
    const tags = Array.from({ length: 2 * MAX_SESSIONS }, (_, i) => `o${i}`);
    const calls = tags.map((t) => s.deliver(batch(t, 5)));
    await until(() => heldSocks.length === MAX_SESSIONS);
    for (let k = 1; k <= MAX_SESSIONS; k++) {
      heldSocks.shift()!.end(); // frees one session: the oldest waiting call takes it
      await until(() => order.length === MAX_SESSIONS + k);
    }
    hold = false;
    for (const h of heldSocks.splice(0)) h.end();
    await Promise.all(calls);
    expect(order.slice(MAX_SESSIONS)).toEqual(tags.slice(MAX_SESSIONS));
  });
});
