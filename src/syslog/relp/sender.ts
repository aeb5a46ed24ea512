// The RELP sink: a SyslogSender that keeps one RELP session open across deliver() calls and
// keeps up to `relpWindow` events in flight on it (half of what waits, see inUse()).
//
// What "delivered" means: deliver() resolves when the receiver answered `200 OK` to the frame
// of every event of the call. Events wait in one queue, in call order, until acknowledged; a
// session that breaks (receiver killed, connection reset, serverclose, no answer for
// writeTimeoutMs) loses nothing: every event not acknowledged on it goes again, in order, on the
// next session (at least once: an event the receiver took but whose ack was lost is duplicated,
// at most one window per break). A non-200 answer rejects that call (SYSLOG_SEND_FAILED).
// Sessions that fail without one acknowledgement count as failed attempts; after
// retry.attempts x hosts of them in a row every waiting call rejects (SYSLOG_UNREACHABLE if no
// session ever opened, SYSLOG_SEND_FAILED otherwise). Hosts are tried in order, each with its
// own backoff (failover.ts), as for tcp/tls.
import type net from 'node:net';
import { describeError, RelayError } from '../../errors.js';
import { DEFAULT_RETRY } from '../backoff.js';
import { systemClock } from '../../ops/clock.js';
import { HostPool } from '../failover.js';
import { SenderHealth } from '../health.js';
import { connectTcp, hostLabel } from '../tcp.js';
import { TlsConnector } from '../tls.js';
import type { DeliveryReport, SenderEvent, SenderStatus, StatusSyslogSender, SyslogHost, SyslogOptions } from '../types.js';
import type { OutgoingEvent } from './frame.js';
import { RelpSession, type RelpAnswers } from './session.js';

/** Most events in flight by default: 8x librelp's own 128. Below ~512 the window drains before
 *  a gathered refill (REFILL_DELAY_MS) arrives and the link turns into a ping-pong again
 *  (measured into imrelp, 4 deliveries in flight: 128 ~47k events/s, 512 ~70k, 1024 ~90-120k;
 *  docs/syslog.md, "RELP throughput"). */
export const DEFAULT_RELP_WINDOW = 1024;
/** The least window in use while events wait (librelp's own client window); see inUse(). */
const MIN_WINDOW = 128;
/** A refill larger than this goes in several writes (events may be up to 64 KB each). */
const MAX_WRITE_BYTES = 256 * 1024;
/** A session idle longer than this is closed and a new one opened: receivers and firewalls drop
 *  idle connections, and frames written into a silently dropped one would only fail late. */
const MAX_IDLE_MS = 10_000;
/**
 * While more than half the window in use is in flight, a chunk of acks does not refill it at
 * once: one refill follows REFILL_DELAY_MS later, for every ack read by then. librelp answers each
 * frame with its own send() and (Nagle) holds those answers until our next segment ACKs the last
 * one, so refilling per chunk made a ping-pong of a few frames per write and per read on both ends
 * (measured: ~5 acks per read, ~30 µs of our CPU per read+write). With half a window still queued
 * at the receiver, the pause costs it nothing; below half, refills go at once.
 */
const REFILL_DELAY_MS = 1;

export interface RelpSenderDeps {
  now?: () => number;
  random?: () => number;
  onEvent?: (event: SenderEvent) => void;
}

interface Call {
  n: number;
  remaining: number;
  bytes: number;
  settled: boolean;
  host?: SyslogHost;
  resolve(report: DeliveryReport): void;
  reject(err: RelayError): void;
  cleanup(): void;
}

interface Entry extends OutgoingEvent {
  call: Call;
  index: number; // within its call, for error messages
  acked: boolean;
}

export class RelpSender implements StatusSyslogSender {
  private readonly pool: HostPool;
  private readonly retry;
  private readonly now: () => number;
  private readonly window: number;
  private refillTimer?: NodeJS.Timeout;
  private readonly tls?: TlsConnector;
  private readonly stop = new AbortController();
  /** Events not yet acknowledged, in call order: [head, sent) are on the session, [sent, end) wait. */
  private entries: Entry[] = [];
  private head = 0;
  private sent = 0;
  private session?: RelpSession<Entry>;
  private hostIndex = -1;
  private lastActivity = 0;
  private ackedOnSession = 0;
  private failuresInRow = 0;
  private openedAny = false;
  private lastErr?: unknown;
  private lastErrText = '';
  private opening = false;
  private closed = false;
  private readonly health: SenderHealth;

  constructor(
    private readonly o: SyslogOptions,
    private readonly deps: RelpSenderDeps = {},
  ) {
    this.retry = o.retry ?? DEFAULT_RETRY;
    this.now = deps.now ?? Date.now;
    this.health = new SenderHealth(this.now, deps.onEvent);
    this.window = o.relpWindow ?? DEFAULT_RELP_WINDOW;
    this.pool = new HostPool(o.hosts, this.retry, this.now, deps.random);
    if (o.protocol === 'relp-tls') this.tls = new TlsConnector(o.tls);
  }

  deliver(messages: readonly string[], signal?: AbortSignal): Promise<DeliveryReport> {
    if (this.closed) return Promise.reject(new RelayError('SYSLOG_SEND_FAILED', 'send', 'the syslog sender is closed'));
    if (signal?.aborted) return Promise.reject(stopped(messages.length, 0));
    if (messages.length === 0) return Promise.resolve({ delivered: 0, bytes: 0, host: this.pool.host(0), confirmed: true });
    return new Promise<DeliveryReport>((resolve, reject) => {
      // The run's stop is not a receiver failure: no outage, no failure count (as for tcp/tls).
      const onAbort = () => this.settle(call, stopped(call.remaining, call.n - call.remaining), false);
      const call: Call = {
        n: messages.length,
        remaining: messages.length,
        bytes: 0,
        settled: false,
        resolve,
        reject,
        cleanup: () => signal?.removeEventListener('abort', onAbort),
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      // Queued synchronously: calls reach the receiver in call order, even when they overlap.
      for (let index = 0; index < messages.length; index++) {
        const msg = messages[index]!;
        this.entries.push({ msg, bytes: Buffer.byteLength(msg, 'utf8'), call, index, acked: false });
      }
      this.kick();
    });
  }

  status(): SenderStatus {
    return { ...this.health.state, hosts: this.pool.snapshot() };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stop.abort();
    clearTimeout(this.refillTimer);
    this.failAll(new RelayError('SYSLOG_SEND_FAILED', 'send', 'the syslog sender is closed'));
    const s = this.session;
    this.session = undefined;
    await s?.close(Math.min(this.o.connectTimeoutMs, 2_000));
  }

  /** Work arrived or a session changed: fill the window of the open session, or open one. */
  private kick(): void {
    if (this.closed || !this.hasWork()) return;
    const s = this.session;
    if (s && s.inflight === 0 && this.now() - this.lastActivity > MAX_IDLE_MS) {
      this.session = undefined;
      void s.close(1_000);
    } else if (s) return this.fill(s);
    if (this.opening) return;
    this.opening = true;
    void this.openUntilReady().finally(() => {
      this.opening = false;
      this.kick();
    });
  }

  private hasWork(): boolean {
    this.skipDone();
    return this.head < this.entries.length;
  }

  /** Opens sessions (hosts in order, each with its backoff) until one is kept or nothing waits. */
  private async openUntilReady(): Promise<void> {
    while (!this.closed && !this.session && this.hasWork()) await this.openSession();
  }

  /**
   * The window in use: half of what is not yet acknowledged, between MIN_WINDOW and relpWindow.
   * librelp holds its answers (Nagle) until our next segment ACKs the last one it sent, and our
   * kernel delays that ACK 40 ms when we have nothing to send; only our frames carry it. Sending
   * everything that waits at once (4 API pages in flight under a window of 1024) left nothing to
   * carry the ACK, and each round of pages waited 40 ms (measured 9,000 events/s against 67,000
   * with librelp's 128). Keeping half unsent, every chunk of answers is followed by a write.
   */
  private inUse(): number {
    return Math.min(this.window, Math.max(MIN_WINDOW, Math.floor((this.entries.length - this.head) / 2)));
  }

  /**
   * Sends waiting events, as many as the window in use has room for, in one write. After a chunk
   * of answers (`answered`) at least one goes if any waits, within relpWindow: that write is what
   * ACKs the receiver's held answers.
   */
  private fill(s: RelpSession<Entry>, answered = false): void {
    let room = this.inUse() - s.inflight;
    if (answered && room < 1 && s.inflight < this.window) room = 1;
    if (!s.alive || room <= 0) return;
    let batch: Entry[] = [];
    let bytes = 0;
    for (let sent = 0; sent < room && this.sent < this.entries.length; ) {
      const e = this.entries[this.sent++]!;
      if (e.acked || e.call.settled) continue;
      batch.push(e);
      sent++;
      bytes += e.bytes;
      if (bytes >= MAX_WRITE_BYTES) {
        s.sendEvents(batch);
        batch = [];
        bytes = 0;
      }
    }
    s.sendEvents(batch);
    this.lastActivity = this.now();
  }

  /** RelpAnswers of the current session. */
  private answersOf(s: RelpSession<Entry>): RelpAnswers<Entry> {
    return {
      ok: (e) => {
        e.acked = true;
        this.ackedOnSession++;
        this.failuresInRow = 0;
        const c = e.call;
        if (c.settled) return;
        c.remaining--;
        c.bytes += e.bytes;
        c.host = s.host;
        if (c.remaining === 0) this.settle(c);
      },
      refused: (e, res) => {
        // The receiver read the event and refused it: resending the same bytes would be refused again.
        if (!e.call.settled) this.settle(e.call, new RelayError('SYSLOG_SEND_FAILED', 'send', `event ${e.index} of ${e.call.n} refused by ${hostLabel(s.host)}: ${res.code} ${res.text}`.trim()));
      },
      answered: () => {
        this.lastActivity = this.now();
        if (this.session !== s || !this.hasWork()) return;
        if (s.inflight * 2 <= this.inUse()) return this.fill(s, true);
        this.refillTimer ??= setTimeout(() => {
          this.refillTimer = undefined;
          if (this.session === s && this.hasWork()) this.fill(s, true);
        }, REFILL_DELAY_MS);
      },
    };
  }

  /** One try of each host out of backoff, in order; the first session that opens is kept. */
  private async openSession(): Promise<void> {
    let ready = this.pool.ready();
    if (ready.length === 0) {
      await this.sleep(this.pool.msUntilReady());
      ready = this.pool.ready();
      if (ready.length === 0) return;
    }
    for (const { index, host } of ready) {
      if (this.closed || !this.hasWork()) return;
      try {
        const sock = await this.connect(host);
        const s = await RelpSession.open<Entry>(sock, host, this.o.connectTimeoutMs, this.o.writeTimeoutMs, this.stop.signal);
        if (this.closed) return s.destroy();
        this.adopt(s, index);
        return;
      } catch (err) {
        this.tls?.forget(host);
        this.attemptFailed(index, host, err);
        if (this.exhausted()) return;
      }
    }
  }

  private adopt(s: RelpSession<Entry>, index: number): void {
    this.openedAny = true;
    if (this.hostIndex >= 0 && this.hostIndex !== index) this.deps.onEvent?.({ type: 'failover', from: this.pool.host(this.hostIndex), to: s.host });
    this.hostIndex = index;
    this.session = s;
    this.lastActivity = this.now();
    this.ackedOnSession = 0;
    this.sent = this.head; // everything unacknowledged goes (again) on this session, in order
    s.attach(this.answersOf(s), (err) => {
      if (this.session !== s) return;
      this.session = undefined;
      if (this.ackedOnSession > 0) this.pool.succeeded(index);
      this.attemptFailed(index, s.host, new RelayError('SYSLOG_SEND_FAILED', 'send', `RELP session to ${hostLabel(s.host)} broke: ${err.message}`, { cause: err }), this.ackedOnSession > 0);
      this.exhausted();
      this.kick();
    });
  }

  private attemptFailed(index: number, host: SyslogHost, err: unknown, madeProgress = false): void {
    const text = describeError(err);
    this.lastErr = err;
    this.lastErrText = text;
    if (!madeProgress) this.failuresInRow++;
    const retryInMs = madeProgress ? 0 : this.pool.failed(index, text);
    this.deps.onEvent?.({ type: 'attempt-failed', host, error: text, retryInMs });
  }

  /** After retry.attempts failed tries per host in a row, every waiting call fails. */
  private exhausted(): boolean {
    if (this.failuresInRow < this.retry.attempts * this.o.hosts.length) return false;
    this.failuresInRow = 0;
    const code = this.openedAny ? 'SYSLOG_SEND_FAILED' : 'SYSLOG_UNREACHABLE';
    this.failAll(new RelayError(code, 'send', `${this.retry.attempts} round(s) over ${this.o.hosts.length} host(s): ${this.lastErrText}`, { cause: this.lastErr }));
    return true;
  }

  private failAll(err: RelayError): void {
    const calls = new Set<Call>();
    for (let i = this.head; i < this.entries.length; i++) calls.add(this.entries[i]!.call);
    for (const c of calls) {
      if (c.settled) continue;
      const done = c.n - c.remaining;
      const what = done === 0 ? `${c.n} events not delivered` : `${c.remaining} of ${c.n} events not delivered (${done} acknowledged)`;
      const e = new RelayError(err.code, 'send', `${what} (${err.message})`, { cause: err.cause });
      this.settle(c, e);
    }
  }

  private settle(c: Call, err?: RelayError, receiverFault = true): void {
    if (c.settled) return;
    c.settled = true;
    c.cleanup();
    if (err) {
      if (receiverFault) this.failed(err);
      c.reject(err);
    } else {
      this.succeeded(c.host!);
      c.resolve({ delivered: c.n, bytes: c.bytes, host: c.host!, confirmed: true });
    }
  }

  /** Moves head past acknowledged or abandoned events; compacts the array now and then. */
  private skipDone(): void {
    while (this.head < this.entries.length && (this.entries[this.head]!.acked || this.entries[this.head]!.call.settled)) this.head++;
    if (this.sent < this.head) this.sent = this.head;
    if (this.head > 4096 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.sent -= this.head;
      this.head = 0;
    }
  }

  private connect(host: SyslogHost): Promise<net.Socket> {
    const ms = this.o.connectTimeoutMs;
    return this.tls ? this.tls.connect(host, ms, this.stop.signal) : connectTcp(host, ms, this.stop.signal);
  }

  private succeeded(host: SyslogHost): void {
    this.health.succeeded(host);
  }

  private failed(err: RelayError): void {
    this.health.failed(err);
  }

  /** Backoff wait that close() cuts short (resolves either way; the opener re-checks). */
  private sleep(ms: number): Promise<void> {
    if (ms <= 0 || this.closed) return Promise.resolve();
    return systemClock.sleep(ms, this.stop.signal).catch(() => undefined);
  }
}

/** The rejection for an aborted deliver(): the run's signal ended in the middle of a batch. */
function stopped(undelivered: number, acked: number): RelayError {
  const what = acked === 0 ? `${undelivered} events not delivered` : `${undelivered} events not delivered (${acked} of the batch acknowledged before)`;
  return new RelayError('SYSLOG_SEND_FAILED', 'send', `${what}: the run's time budget ended or the run was stopped`);
}
