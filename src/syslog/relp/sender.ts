// The RELP sink: a SyslogSender that keeps one RELP session open across deliver() calls and
// keeps up to `relpWindow` events in flight on it.
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
import { RelpSession } from './session.js';

export const DEFAULT_RELP_WINDOW = 128;
/** A session idle longer than this is closed and a new one opened: receivers and firewalls drop
 *  idle connections, and frames written into a silently dropped one would only fail late. */
const MAX_IDLE_MS = 10_000;

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

interface Entry {
  data: Buffer;
  call: Call;
  index: number; // within its call, for error messages
  acked: boolean;
}

export class RelpSender implements StatusSyslogSender {
  private readonly pool: HostPool;
  private readonly retry;
  private readonly now: () => number;
  private readonly window: number;
  private readonly tls?: TlsConnector;
  private readonly stop = new AbortController();
  /** Events not yet acknowledged, in call order: [head, sent) are on the session, [sent, end) wait. */
  private entries: Entry[] = [];
  private head = 0;
  private sent = 0;
  private session?: RelpSession;
  private hostIndex = -1;
  private lastActivity = 0;
  private ackedOnSession = 0;
  private failuresInRow = 0;
  private openedAny = false;
  private lastErr?: unknown;
  private lastErrText = '';
  private pumping = false;
  private wake: () => void = () => undefined;
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
      messages.forEach((m, index) => this.entries.push({ data: Buffer.from(m, 'utf8'), call, index, acked: false }));
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
    this.failAll(new RelayError('SYSLOG_SEND_FAILED', 'send', 'the syslog sender is closed'));
    this.wake();
    const s = this.session;
    this.session = undefined;
    await s?.close(Math.min(this.o.connectTimeoutMs, 2_000));
  }

  /** Starts the pump unless it runs; otherwise wakes it. */
  private kick(): void {
    if (this.pumping) return this.wake();
    this.pumping = true;
    void this.pump().finally(() => {
      this.pumping = false;
      if (!this.closed && this.hasWork()) this.kick();
    });
  }

  private hasWork(): boolean {
    this.skipDone();
    return this.head < this.entries.length;
  }

  /** Drives the queue: a session when needed, the window kept full, until nothing waits. */
  private async pump(): Promise<void> {
    while (!this.closed && this.hasWork()) {
      if (this.session && this.session.inflight === 0 && this.now() - this.lastActivity > MAX_IDLE_MS) {
        const idle = this.session;
        this.session = undefined;
        void idle.close(1_000);
      }
      if (!this.session) {
        await this.openSession();
        continue;
      }
      this.fill(this.session);
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = () => undefined;
    }
  }

  /** Sends waiting events until the window is full. */
  private fill(s: RelpSession): void {
    s.batch(() => {
      while (s.alive && s.inflight < this.window && this.sent < this.entries.length) {
        const e = this.entries[this.sent++]!;
        if (e.acked || e.call.settled) continue;
        s.send(e.data, (res) => this.answered(s, e, res.code, res.text));
      }
    });
    this.lastActivity = this.now();
  }

  private answered(s: RelpSession, e: Entry, code: number, text: string): void {
    this.lastActivity = this.now();
    if (code === 200) {
      e.acked = true;
      this.ackedOnSession++;
      this.failuresInRow = 0;
      const c = e.call;
      if (!c.settled) {
        c.remaining--;
        c.bytes += e.data.length;
        c.host = s.host;
        if (c.remaining === 0) this.settle(c);
      }
    } else if (!e.call.settled) {
      // The receiver read the event and refused it: resending the same bytes would be refused again.
      this.settle(e.call, new RelayError('SYSLOG_SEND_FAILED', 'send', `event ${e.index} of ${e.call.n} refused by ${hostLabel(s.host)}: ${code} ${text}`.trim()));
    }
    if (this.session === s) this.fill(s);
    this.wake();
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
        const s = await RelpSession.open(sock, host, this.o.connectTimeoutMs, this.o.writeTimeoutMs, this.stop.signal);
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

  private adopt(s: RelpSession, index: number): void {
    this.openedAny = true;
    if (this.hostIndex >= 0 && this.hostIndex !== index) this.deps.onEvent?.({ type: 'failover', from: this.pool.host(this.hostIndex), to: s.host });
    this.hostIndex = index;
    this.session = s;
    this.lastActivity = this.now();
    this.ackedOnSession = 0;
    this.sent = this.head; // everything unacknowledged goes (again) on this session, in order
    s.whenBroken((err) => {
      if (this.session !== s) return;
      this.session = undefined;
      if (this.ackedOnSession > 0) this.pool.succeeded(index);
      this.attemptFailed(index, s.host, new RelayError('SYSLOG_SEND_FAILED', 'send', `RELP session to ${hostLabel(s.host)} broke: ${err.message}`, { cause: err }), this.ackedOnSession > 0);
      this.exhausted();
      this.wake();
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
    this.wake();
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

  /** Backoff wait that close() cuts short (resolves either way; the pump re-checks). */
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
