// The syslog sink: createSender() turns validated SyslogOptions into a SyslogSender.
//
// What "delivered" means (docs/syslog.md has the long form):
// - tcp / tls: each batch travels on its own connection (a "delivery session"): write the whole
//   batch, half-close, and wait for the receiver to answer with its own close: it has read every
//   byte (stream.ts). Then the next connection to the same receiver is opened and must stay open
//   for confirmSettleMs: a receiver killed right after reading (its kernel also sends a FIN)
//   fails that check (successor.ts). That next connection carries the next batch. Any error,
//   reset or timeout rejects and the whole batch counts as undelivered: the pipeline sends it
//   again (at least once; a resend may duplicate a batch the receiver had read).
// - udp: every datagram was handed to the kernel; no guarantee (RFC 5426).
// Batches are sent one at a time in call order; hosts are tried in the configured order, each
// with its own backoff after a failure, so a dead primary is not retried on every batch.
import type net from 'node:net';
import { describeError, isRelayError, RelayError } from '../errors.js';
import { DEFAULT_RETRY } from './backoff.js';
import { HostPool } from './failover.js';
import { sendConfirmed } from './stream.js';
import { settle, WarmConnection } from './successor.js';
import { connectTcp, hostLabel, socketErrorText } from './tcp.js';
import { TlsConnector } from './tls.js';
import type { DeliveryReport, SenderEvent, SenderStatus, StatusSyslogSender, SyslogHost, SyslogOptions } from './types.js';
import { findOversize, UdpSender } from './udp.js';
import { validateSyslogOptions } from './validate.js';

export { validateSyslogOptions } from './validate.js';
export { backoffDelay, DEFAULT_RETRY } from './backoff.js';
export { frame, frameChunks, lfSafe } from './framing.js';

export const DEFAULT_CONFIRM_SETTLE_MS = 25;
/** A kept connection idle longer than this is closed and replaced: receivers and firewalls drop
 *  idle sessions, and a batch written into a silently dropped one would only fail late. */
const MAX_IDLE_REUSE_MS = 10_000;
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
  return new Sender(options, deps);
}

class Sender implements StatusSyslogSender {
  private readonly pool: HostPool;
  private readonly retry;
  private readonly now: () => number;
  private readonly tls?: TlsConnector;
  private readonly udp?: UdpSender;
  private readonly stop = new AbortController();
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  private st: SenderStatus = { state: 'unknown', consecutiveFailures: 0, outages: 0, hosts: [] };
  private downSince = 0;
  private activeIndex = -1;
  private warm?: WarmConnection;

  constructor(
    private readonly o: SyslogOptions,
    private readonly deps: SenderDeps,
  ) {
    this.retry = o.retry ?? DEFAULT_RETRY;
    this.now = deps.now ?? Date.now;
    this.pool = new HostPool(o.hosts, this.retry, this.now, deps.random);
    if (o.protocol === 'tls') this.tls = new TlsConnector(o.tls);
    if (o.protocol === 'udp') this.udp = new UdpSender();
  }

  deliver(messages: readonly string[]): Promise<DeliveryReport> {
    if (this.closed) return Promise.reject(new RelayError('SYSLOG_SEND_FAILED', 'send', 'the syslog sender is closed'));
    // One batch at a time, in call order: the receiver sees batches in the order they were given.
    const run = this.queue.then(() => this.deliverNow(messages));
    this.queue = run.catch(() => undefined);
    return run;
  }

  status(): SenderStatus {
    return { ...this.st, hosts: this.pool.snapshot() };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.stop.abort();
    await this.queue;
    this.warm?.release();
    this.warm = undefined;
    await this.udp?.close();
  }

  private async deliverNow(messages: readonly string[]): Promise<DeliveryReport> {
    const confirmed = this.o.protocol !== 'udp';
    if (messages.length === 0) return { delivered: 0, bytes: 0, host: this.pool.host(0), confirmed };
    if (this.o.protocol === 'udp') {
      const big = findOversize(messages, this.o.udpMaxBytes);
      // Never split or silently cut a datagram (RFC 5426 3.1); the CEF stage keeps lines within the cap.
      if (big) throw new RelayError('SYSLOG_SEND_FAILED', 'send', `message ${big.index} of the batch is ${big.bytes} bytes, over udpMaxBytes ${this.o.udpMaxBytes}; nothing was sent`);
    }
    const lastByHost = new Map<string, string>();
    let reachedAny = false;
    let lastErr: unknown;
    for (let round = 1; round <= this.retry.attempts && !this.closed; round++) {
      let ready = this.pool.ready();
      if (ready.length === 0) {
        await this.sleep(this.pool.msUntilReady());
        ready = this.pool.ready();
        if (ready.length === 0) ready = this.o.hosts.map((_, index) => ({ index, host: this.pool.host(index) }));
      }
      for (const { index, host } of ready) {
        if (this.closed) break;
        try {
          const bytes = await this.attempt(host, messages);
          this.succeeded(index, host);
          return { delivered: messages.length, bytes, host, confirmed };
        } catch (err) {
          lastErr = err;
          if (isRelayError(err, 'SYSLOG_SEND_FAILED')) reachedAny = true;
          const text = describeError(err);
          lastByHost.set(hostLabel(host), text);
          const retryInMs = this.pool.failed(index, text);
          this.deps.onEvent?.({ type: 'attempt-failed', host, error: text, retryInMs });
        }
      }
    }
    const why = [...lastByHost.values()].join('; ') || 'the syslog sender is closed';
    const err = new RelayError(
      reachedAny ? 'SYSLOG_SEND_FAILED' : 'SYSLOG_UNREACHABLE',
      'send',
      `${messages.length} events not delivered (${this.retry.attempts} round(s) over ${this.o.hosts.length} host(s)): ${why}`,
      { cause: lastErr },
    );
    this.failed(err);
    throw err;
  }

  private async attempt(host: SyslogHost, messages: readonly string[]): Promise<number> {
    const o = this.o;
    if (this.udp) return this.udp.send(host, messages, o.connectTimeoutMs);
    const kept = this.warm?.take(host, MAX_IDLE_REUSE_MS);
    this.warm = undefined;
    try {
      const sock = kept ?? (await this.connect(host));
      const { bytes } = await sendConfirmed(sock, host, messages, o.framing, o.writeTimeoutMs);
      let next: net.Socket;
      try {
        next = await this.connect(host);
      } catch (err) {
        throw new RelayError('SYSLOG_SEND_FAILED', 'send', `batch to ${hostLabel(host)} not confirmed: the receiver closed, then refused a new connection (${socketErrorText(err)})`, { cause: err });
      }
      if (this.closed) {
        next.destroy();
      } else {
        await settle(next, host, o.confirmSettleMs ?? DEFAULT_CONFIRM_SETTLE_MS);
        this.warm = new WarmConnection(next, host, this.now, MAX_IDLE_REUSE_MS);
      }
      return bytes;
    } catch (err) {
      this.tls?.forget(host); // a session from a receiver that just failed is not worth resuming
      throw err;
    }
  }

  private connect(host: SyslogHost): Promise<net.Socket> {
    const ms = this.o.connectTimeoutMs;
    return this.tls ? this.tls.connect(host, ms) : connectTcp(host, ms);
  }

  private succeeded(index: number, host: SyslogHost): void {
    this.pool.succeeded(index);
    const t = this.now();
    if (this.activeIndex >= 0 && this.activeIndex !== index) {
      this.deps.onEvent?.({ type: 'failover', from: this.pool.host(this.activeIndex), to: host });
    }
    if (this.st.state === 'down') this.deps.onEvent?.({ type: 'recovered', host, downForMs: t - this.downSince });
    this.activeIndex = index;
    this.st = { ...this.st, state: 'up', lastSuccessAt: t, consecutiveFailures: 0, activeHost: host };
  }

  private failed(err: RelayError): void {
    const t = this.now();
    const error = describeError(err);
    if (this.st.state !== 'down') {
      this.downSince = t;
      this.st.outages++;
      this.deps.onEvent?.({ type: 'outage', error });
    }
    this.st = { ...this.st, state: 'down', lastFailureAt: t, lastError: error, consecutiveFailures: this.st.consecutiveFailures + 1 };
  }

  /** Backoff wait that close() cuts short. */
  private sleep(ms: number): Promise<void> {
    if (ms <= 0 || this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const signal = this.stop.signal;
      function done(): void {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done);
    });
  }
}
