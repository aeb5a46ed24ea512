// The syslog sink: createSender() turns validated SyslogOptions into a SyslogSender.
//
// What "delivered" means (docs/syslog.md has the long form):
// - tcp / tls: a batch travels in one or more connections ("delivery sessions"): write the part,
//   half-close, and wait for the receiver to answer with its own close: it has read every byte
//   (stream.ts). Then a connection to the same receiver must be seen open confirmSettleMs after
//   that close: a receiver killed right after reading (its kernel also sends a FIN) fails that
//   check (settle-check.ts: one connection per receiver serves every batch settling at once). A
//   session that times out for lack of progress (a receiver slower than the part /
//   writeTimeoutMs) is retried at once as smaller parts, down to one event; the size that worked
//   is kept (batch-size.ts). deliver() resolves only when every part passed its settle check; on
//   rejection the pipeline sends the whole batch again (at least once; a resend may duplicate
//   parts the receiver had read).
// - relp / relp-tls: the receiver answered `200 OK` to every event (relp/sender.ts: one session
//   kept open across batches, a window of unacknowledged frames, resent after a break).
// - udp: every datagram was handed to the kernel; no guarantee (RFC 5426).
// Overlapping deliver() calls (the pipeline keeps a few batches in flight, src/pipeline/
// delivery-stage.ts) each resolve when their own messages are delivered. tcp/tls: up to
// MAX_SESSIONS sessions move bytes at once, each on its own connection with its own close, so a
// receiver may interleave the lines of different batches (each batch's lines stay in order). A
// session's slot is released at the receiver's close: the settle check runs outside it, so the
// next batch writes while the previous ones settle. Sessions beyond that wait, the oldest call's
// first; one at a time once a slow receiver made the session size finite (its timeouts are
// measured for one session), and one at a time over udp. Connections to one receiver: at most
// MAX_SESSIONS sessions plus MAX_WITNESSES settle-check connections (one of which is kept for
// the next session), MAX_CONNECTIONS in all. Hosts are tried in the configured order, each with
// its own backoff after a failure, so a dead primary is not retried on every batch.
import type net from 'node:net';
import { describeError, isRelayError, RelayError } from '../errors.js';
import { DEFAULT_RETRY } from './backoff.js';
import { systemClock } from '../ops/clock.js';
import { HostPool } from './failover.js';
import { SenderHealth } from './health.js';
import { BatchSizer } from './batch-size.js';
import { NoProgressError, sendConfirmed } from './stream.js';
import { MAX_WITNESSES, SettleChecks } from './settle-check.js';
import { TicketGate } from './ticket-gate.js';
import { connectTcp, hostLabel } from './tcp.js';
import { TlsConnector } from './tls.js';
import type { DeliveryReport, SenderEvent, SenderStatus, StatusSyslogSender, SyslogHost, SyslogOptions } from './types.js';
import { findOversize, UdpSender } from './udp.js';
import { RelpSender } from './relp/sender.js';
import { validateSyslogOptions } from './validate.js';

export { validateSyslogOptions } from './validate.js';
export { backoffDelay, DEFAULT_RETRY } from './backoff.js';
export { frame, frameChunks, lfSafe } from './framing.js';

export const DEFAULT_CONFIRM_SETTLE_MS = 25;
/** A kept connection idle longer than this is closed and replaced: receivers and firewalls drop
 *  idle sessions, and a batch written into a silently dropped one would only fail late. */
const MAX_IDLE_REUSE_MS = 10_000;
/** tcp/tls: most delivery sessions moving bytes at once (the pipeline's window, src/pipeline/run.ts). */
export const MAX_SESSIONS = 4;
/** tcp/tls: most connections the sender holds to one receiver (sessions and settle checks), within
 *  syslog-ng's default max-connections(10). */
export const MAX_CONNECTIONS = MAX_SESSIONS + MAX_WITNESSES;
export type * from './types.js';

/** Injected for tests and for the logger; all optional. */
export interface SenderDeps {
  now?: () => number;
  random?: () => number;
  /** Notable transitions (attempt failed, fail-over, outage, recovery), e.g. for the logger. */
  onEvent?: (event: SenderEvent) => void;
}

export function createSender(options: SyslogOptions, deps: SenderDeps = {}): StatusSyslogSender {
  const problems = validateSyslogOptions(options);
  if (problems.length > 0) throw new RelayError('CONFIG_INVALID', 'config', `invalid syslog options: ${problems.join('; ')}`);
  if (options.protocol === 'relp' || options.protocol === 'relp-tls') return new RelpSender(options, deps);
  return new Sender(options, deps);
}

class Sender implements StatusSyslogSender {
  private readonly pool: HostPool;
  private readonly retry;
  private readonly now: () => number;
  private readonly tls?: TlsConnector;
  private readonly udp?: UdpSender;
  private readonly stop = new AbortController();
  /** Calls running now (close() waits for them). */
  private readonly running = new Set<Promise<unknown>>();
  /** Session slots (bytes moving), granted by ticket: the call's order. */
  private readonly sessions = new TicketGate(() => this.concurrency());
  private tickets = 0;
  private closed = false;
  private readonly health: SenderHealth;
  private activeIndex = -1;
  private readonly checks: SettleChecks;
  private readonly sizer: BatchSizer;

  constructor(
    private readonly o: SyslogOptions,
    private readonly deps: SenderDeps,
  ) {
    this.retry = o.retry ?? DEFAULT_RETRY;
    this.now = deps.now ?? Date.now;
    this.health = new SenderHealth(this.now, deps.onEvent);
    this.pool = new HostPool(o.hosts, this.retry, this.now, deps.random);
    this.sizer = new BatchSizer(o.writeTimeoutMs);
    if (o.protocol === 'tls') this.tls = new TlsConnector(o.tls);
    if (o.protocol === 'udp') this.udp = new UdpSender();
    this.checks = new SettleChecks({
      settleMs: o.confirmSettleMs ?? DEFAULT_CONFIRM_SETTLE_MS,
      maxIdleMs: MAX_IDLE_REUSE_MS,
      maxConnections: MAX_CONNECTIONS,
      connect: (host) => this.connect(host),
    });
  }

  deliver(messages: readonly string[], signal?: AbortSignal): Promise<DeliveryReport> {
    if (this.closed) return Promise.reject(new RelayError('SYSLOG_SEND_FAILED', 'send', 'the syslog sender is closed'));
    if (signal?.aborted) return Promise.reject(stoppedError(messages.length, 0));
    const run = this.deliverNow(messages, this.tickets++, signal);
    const tracked = run.catch(() => undefined);
    this.running.add(tracked);
    void tracked.then(() => this.running.delete(tracked));
    return run;
  }

  /** Sessions allowed at once now (see the header). */
  private concurrency(): number {
    return this.udp || Number.isFinite(this.sizer.current) ? 1 : MAX_SESSIONS;
  }

  status(): SenderStatus {
    const limit = this.sizer.current;
    return { ...this.health.state, hosts: this.pool.snapshot(), ...(Number.isFinite(limit) ? { sessionLimit: limit } : {}) };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.stop.abort();
    this.sessions.cancelAll(() => new SenderClosed());
    await Promise.all(this.running); // batches settling finish their check first
    this.checks.closeAll();
    await this.udp?.close();
  }

  /**
   * The batch goes out as consecutive parts (tcp/tls: one delivery session each; the whole batch
   * while the receiver keeps up). A part is confirmed or retried; a confirmed part is never resent.
   * A part that failed for lack of progress is halved at once (the sizer keeps the size for later
   * batches); any other failure costs one round over the hosts. Bounded: between two confirmed
   * parts at most ceil(log2(n)) halvings and retry.attempts rounds.
   */
  private async deliverNow(messages: readonly string[], ticket: number, signal?: AbortSignal): Promise<DeliveryReport> {
    const confirmed = this.o.protocol !== 'udp';
    const n = messages.length;
    if (signal?.aborted) throw stoppedError(n, 0);
    if (n === 0) return { delivered: 0, bytes: 0, host: this.pool.host(0), confirmed };
    if (this.o.protocol === 'udp') {
      const big = findOversize(messages, this.o.udpMaxBytes);
      // Never split or silently cut a datagram (RFC 5426 3.1); the CEF stage keeps lines within the cap.
      if (big) throw new RelayError('SYSLOG_SEND_FAILED', 'send', `message ${big.index} of the batch is ${big.bytes} bytes, over udpMaxBytes ${this.o.udpMaxBytes}; nothing was sent`);
    }
    const failures: Failures = { byHost: new Map(), reachedAny: false, slow: false };
    let pos = 0;
    let bytes = 0;
    let host = this.pool.host(0);
    let smallest = n;
    let rounds = 0; // rounds in a row without a confirmed part; a halving starts no new round
    while (pos < n && rounds < this.retry.attempts && !this.closed) {
      const size = this.udp ? n - pos : this.sizer.partSize(n - pos);
      smallest = Math.min(smallest, size);
      const part = pos === 0 && size === n ? messages : messages.slice(pos, pos + size);
      const done = await this.round(part, ticket, failures, signal);
      if (signal?.aborted) throw stoppedError(n - pos, pos);
      if (done) {
        pos += size;
        bytes += done.bytes;
        host = done.host;
        rounds = 0;
      } else if (failures.slow && size > 1) {
        this.sizer.tooSlow(size);
        this.deps.onEvent?.({ type: 'session-limit', limit: this.sizer.current, error: failures.last ?? '' });
      } else {
        rounds++;
      }
      failures.slow = false;
    }
    if (pos === n) return { delivered: n, bytes, host, confirmed };

    const why = [...failures.byHost.values()].join('; ') || 'the syslog sender is closed';
    const what = pos === 0 ? `${n} events not delivered` : `${n - pos} of ${n} events not delivered (${pos} confirmed)`;
    const parts = smallest < n ? `, in parts down to ${smallest} event${smallest === 1 ? '' : 's'}` : '';
    const err = new RelayError(
      failures.reachedAny ? 'SYSLOG_SEND_FAILED' : 'SYSLOG_UNREACHABLE',
      'send',
      `${what} (${this.retry.attempts} round(s) over ${this.o.hosts.length} host(s)${parts}): ${why}`,
      { cause: failures.lastErr },
    );
    this.failed(err);
    throw err;
  }

  /** One try of `part` on each host out of backoff, in order (waiting for one when none is). */
  private async round(part: readonly string[], ticket: number, f: Failures, signal?: AbortSignal): Promise<{ bytes: number; host: SyslogHost } | undefined> {
    let ready = this.pool.ready();
    if (ready.length === 0) {
      await this.sleep(this.pool.msUntilReady(), signal);
      ready = this.pool.ready();
      if (ready.length === 0) ready = this.o.hosts.map((_, index) => ({ index, host: this.pool.host(index) }));
    }
    for (const { index, host } of ready) {
      if (this.closed || signal?.aborted) return undefined;
      try {
        const bytes = await this.attempt(host, part, ticket, signal);
        this.succeeded(index, host);
        return { bytes, host };
      } catch (err) {
        if (signal?.aborted || err instanceof SenderClosed) return undefined; // the stop, not the host, ended this attempt
        f.lastErr = err;
        if (isRelayError(err, 'SYSLOG_SEND_FAILED')) f.reachedAny = true;
        if (err instanceof NoProgressError) f.slow = true;
        const text = describeError(err);
        f.last = text;
        f.byHost.set(hostLabel(host), text);
        const retryInMs = this.pool.failed(index, text);
        this.deps.onEvent?.({ type: 'attempt-failed', host, error: text, retryInMs });
      }
    }
    return undefined;
  }

  /** One session of `messages` to `host` in a slot (released at the receiver's close), then its
   *  settle check outside the slot, while the next sessions move bytes. */
  private async attempt(host: SyslogHost, messages: readonly string[], ticket: number, signal?: AbortSignal): Promise<number> {
    const o = this.o;
    if (this.closed) throw new SenderClosed();
    await this.sessions.acquire(ticket, signal, () => (this.closed ? new SenderClosed() : stoppedError(messages.length, 0)));
    if (this.udp) {
      try {
        return await this.udp.send(host, messages, o.connectTimeoutMs);
      } finally {
        this.sessions.release();
      }
    }
    let sent: { bytes: number; confirmMs: number; closedAt: number };
    try {
      const sock = this.checks.take(host) ?? (await this.connect(host, signal));
      const { bytes, confirmMs } = await sendConfirmed(sock, host, messages, o.framing, o.writeTimeoutMs, signal, this.now);
      sent = { bytes, confirmMs, closedAt: performance.now() };
    } catch (err) {
      this.tls?.forget(host); // a session from a receiver that just failed is not worth resuming
      throw err;
    } finally {
      this.sessions.release(); // the receiver closed (or the session failed): the slot moves on
    }
    try {
      await this.checks.check(host, sent.closedAt, signal);
    } catch (err) {
      this.tls?.forget(host);
      throw err;
    }
    this.sizer.confirmed(messages.length, sent.confirmMs);
    return sent.bytes;
  }

  private connect(host: SyslogHost, signal?: AbortSignal): Promise<net.Socket> {
    const ms = this.o.connectTimeoutMs;
    return this.tls ? this.tls.connect(host, ms, signal) : connectTcp(host, ms, signal);
  }

  private succeeded(index: number, host: SyslogHost): void {
    this.pool.succeeded(index);
    if (this.activeIndex >= 0 && this.activeIndex !== index) {
      this.deps.onEvent?.({ type: 'failover', from: this.pool.host(this.activeIndex), to: host });
    }
    this.activeIndex = index;
    this.health.succeeded(host);
  }

  private failed(err: RelayError): void {
    this.health.failed(err);
  }

  /** Backoff wait that close() and the run's signal cut short (resolves either way). */
  private sleep(ms: number, runSignal?: AbortSignal): Promise<void> {
    if (ms <= 0 || this.closed || runSignal?.aborted) return Promise.resolve();
    const cut = runSignal ? AbortSignal.any([this.stop.signal, runSignal]) : this.stop.signal;
    return systemClock.sleep(ms, cut).catch(() => undefined);
  }
}

/** What failed attempts of one deliver() left behind, for its final error. */
interface Failures {
  byHost: Map<string, string>;
  reachedAny: boolean;
  /** The last round failed for lack of progress on some host: a smaller part may pass. */
  slow: boolean;
  last?: string;
  lastErr?: unknown;
}

/** A session slot refused because close() was called: not a failure of the host. */
class SenderClosed extends RelayError {
  constructor() {
    super('SYSLOG_SEND_FAILED', 'send', 'the syslog sender is closed');
  }
}

/** The rejection for an aborted deliver(): the pipeline's run signal ends in the middle of a batch. */
function stoppedError(undelivered: number, confirmedBefore: number): RelayError {
  const what = confirmedBefore === 0 ? `${undelivered} events not delivered` : `${undelivered} events not delivered (${confirmedBefore} of the batch confirmed before)`;
  return new RelayError('SYSLOG_SEND_FAILED', 'send', `${what}: the run's time budget ended or the run was stopped`);
}
