// The liveness check that completes a TCP/TLS confirmation (the "settle check"), shared by every
// batch settling on a receiver at once, and the connection it leaves open for the next session.
//
// Why: a receiver that is killed (SIGKILL, OOM, crash) after reading a batch makes its kernel
// close the connection with a FIN, exactly like a graceful close, and whatever the daemon held in
// memory is lost. A process's death closes all its sockets at once, listener included. So a batch
// whose session the receiver closed at t counts as confirmed only once a connection to the same
// receiver is seen still open at t + settleMs: a receiver dead within that window has closed it
// (or refused it, if it was opened after the death).
//
// How: one "witness" connection per receiver serves every batch waiting at once, outside the
// sender's session slots (those are for moving bytes: index.ts). Rules, per waiting batch:
// - its deadline is its close time + settleMs; it passes when the deadline is reached, and the
//   I/O that arrived by then was handled (one poll turn), with its witness still open;
// - a refused (or timed-out) connect fails it, as does the run's signal aborting;
// - its witness closing or erroring before the deadline costs it one retry: a fresh connection,
//   opened after that close, must stay open until the deadline and for settleMs after its own
//   connect. A receiver that closes an idle connection for its own reasons (an idle timeout, a
//   restart of its input) thereby fails no batch; a dead one refuses the fresh connect, and a
//   second close fails the batch;
// - a witness serves batches that closed within WITNESS_MAX_AGE_MS of its connect; a newer one is
//   opened after that (an old idle connection may have been dropped silently by a middlebox and
//   would then never report the receiver's death). At most two witnesses per receiver exist
//   (one retiring while its last batches settle), counted until their close completes.
// - a witness with no batch waiting is the receiver's kept connection: the next session may take
//   it (saving a connect), and it is closed after MAX_IDLE_MS unused.
import type net from 'node:net';
import { RelayError } from '../errors.js';
import { hostLabel, socketErrorText } from './tcp.js';
import type { SyslogHost } from './types.js';

/** Batches closed longer than this after a witness connected get a newer witness. */
export const WITNESS_MAX_AGE_MS = 1_000;
/** Most witness connections to one receiver at once (one current, one retiring). */
export const MAX_WITNESSES = 2;

export interface SettleCheckOptions {
  settleMs: number;
  /** A kept connection idle longer than this is closed rather than reused or relied on. */
  maxIdleMs: number;
  /** Opens a connection to `host` (connect timeout included); rejects when refused. */
  connect(host: SyslogHost): Promise<net.Socket>;
  /** The sender's bound on connections to one receiver, named when a receiver keeps closing them. */
  maxConnections: number;
  /** Monotonic milliseconds (performance.now()). */
  now?: () => number;
}

interface Waiter {
  deadline: number;
  done: boolean;
  /** Bumped whenever the waiter is (re-)armed or moved: a timer of an older arming does nothing. */
  armed: number;
  /** Used its one retry: the next close of its witness fails it. */
  retried: boolean;
  /** Moved by a retry: its deadline also covers settleMs after the fresh connect. */
  fresh: boolean;
  timer?: NodeJS.Timeout;
  witness?: Witness;
  resolve(): void;
  reject(err: RelayError): void;
}

/** The witnesses of one receiver: the current one (new batches join it) and every one still open. */
interface Receiver {
  host: SyslogHost;
  current?: Witness;
  all: Set<Witness>;
}

/** One connection that proves the receiver alive while it stays open. */
class Witness {
  constructor(readonly receiver: Receiver) {}
  sock?: net.Socket; // undefined while connecting
  connectedAt = Number.NaN;
  idleSince = Number.NaN;
  gone = false; // closed, errored or refused: serves no one
  readonly waiters = new Set<Waiter>();
  idleTimer?: NodeJS.Timeout;
  detach?: () => void;
}

/** The settle checks of one sender, per receiver. */
export class SettleChecks {
  private readonly byHost = new Map<string, Receiver>();
  private readonly now: () => number;

  constructor(private readonly o: SettleCheckOptions) {
    this.now = o.now ?? (() => performance.now());
  }

  /** Resolves once the receiver is seen alive at `closedAt` (this.now() time) + settleMs; rejects
   *  SYSLOG_SEND_FAILED when it is not, or when `signal` aborts. */
  check(host: SyslogHost, closedAt: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(notConfirmed(host, 'the run was stopped'));
    return new Promise((resolve, reject) => {
      const onAbort = () => this.fail(w, notConfirmed(host, 'the run was stopped'));
      const w: Waiter = {
        deadline: closedAt + this.o.settleMs,
        done: false,
        armed: 0,
        retried: false,
        fresh: false,
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        reject: (err) => {
          signal?.removeEventListener('abort', onAbort);
          reject(err);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.join(w, this.witnessFor(host, closedAt));
    });
  }

  /** The kept connection to `host` if it is open, idle and not older than maxIdleMs; it stops being a witness. */
  take(host: SyslogHost): net.Socket | undefined {
    const h = this.byHost.get(key(host));
    const c = h?.current;
    if (!h || !c?.sock || c.gone || c.waiters.size > 0) return undefined;
    h.current = undefined;
    h.all.delete(c);
    c.detach?.();
    clearTimeout(c.idleTimer);
    const sock = c.sock;
    if (sock.destroyed || sock.readableEnded || !sock.writable || this.now() - c.idleSince > this.o.maxIdleMs) {
      release(sock);
      return undefined;
    }
    sock.ref();
    return sock;
  }

  /** Closes every witness; batches still waiting fail (the sender waits for them before). */
  closeAll(): void {
    for (const [, h] of this.byHost) {
      for (const wt of [...h.all]) {
        for (const w of [...wt.waiters]) this.fail(w, new RelayError('SYSLOG_SEND_FAILED', 'send', `batch to ${hostLabel(h.host)} not confirmed: the syslog sender was closed during its settle check`));
        this.retire(wt);
      }
      h.current = undefined;
    }
  }

  /** The witness a batch closed at `closedAt` waits on: the current one, or a new one. */
  private witnessFor(host: SyslogHost, closedAt: number): Witness {
    let h = this.byHost.get(key(host));
    if (!h) {
      h = { host, all: new Set() };
      this.byHost.set(key(host), h);
    }
    const c = h.current;
    const usable = c && !c.gone && (c.sock === undefined || closedAt - c.connectedAt <= WITNESS_MAX_AGE_MS || h.all.size >= MAX_WITNESSES);
    if (usable) return c;
    if (c && !c.gone && c.waiters.size === 0) this.retire(c);
    return this.open(h);
  }

  /** Opens a witness and makes it the current one (the previous one retires after its waiters). */
  private open(h: Receiver): Witness {
    const host = h.host;
    const wt = new Witness(h);
    h.current = wt;
    h.all.add(wt);
    this.o.connect(host).then(
      (sock) => this.connected(wt, sock),
      (err: unknown) => {
        wt.gone = true;
        h.all.delete(wt);
        if (h.current === wt) h.current = undefined;
        for (const w of [...wt.waiters]) this.fail(w, new RelayError('SYSLOG_SEND_FAILED', 'send', `batch to ${hostLabel(host)} not confirmed: the receiver closed, then refused a new connection (${socketErrorText(err)})`, { cause: err }));
      },
    );
    return wt;
  }

  private connected(wt: Witness, sock: net.Socket): void {
    wt.sock = sock;
    wt.connectedAt = this.now();
    wt.idleSince = wt.connectedAt;
    // Never hold the process open (a CLI run or a Function worker that is done); waiting batches' timers do.
    sock.unref();
    const onGone = () => this.lost(wt);
    const onData = () => undefined; // receivers send nothing; reading lets their FIN surface as 'end'
    sock.on('end', onGone);
    sock.on('close', onGone);
    sock.on('error', onGone);
    sock.on('data', onData);
    wt.detach = () => {
      sock.off('end', onGone);
      sock.off('close', onGone);
      sock.off('error', onGone);
      sock.off('data', onData);
    };
    if (wt.gone) {
      // Retired (closeAll()) while connecting.
      wt.detach();
      sock.once('close', () => wt.receiver.all.delete(wt));
      release(sock);
      return;
    }
    for (const w of wt.waiters) {
      if (w.fresh) w.deadline = Math.max(w.deadline, wt.connectedAt + this.o.settleMs);
      w.fresh = false;
      this.arm(w);
    }
    this.idleIfUnused(wt);
  }

  /** The witness closed or errored (not by us): each waiter fails or takes its one retry. */
  private lost(wt: Witness): void {
    if (wt.gone) return;
    wt.gone = true;
    wt.detach?.();
    clearTimeout(wt.idleTimer);
    wt.sock?.destroy();
    const h = wt.receiver;
    const host = h.host;
    h.all.delete(wt);
    if (h.current === wt) h.current = undefined;
    const retry: Waiter[] = [];
    for (const w of [...wt.waiters]) {
      if (w.retried) {
        this.fail(w, notConfirmed(host, `a connection to it was closed during the settle check twice; a receiver limiting connections per client must allow ${this.o.maxConnections}`));
      } else {
        wt.waiters.delete(w);
        clearTimeout(w.timer);
        w.armed++;
        w.retried = true;
        w.fresh = true;
        retry.push(w);
      }
    }
    if (retry.length === 0) return;
    // A fresh connection, opened after this close: join one still connecting, else open one.
    const next = h.current && !h.current.gone && h.current.sock === undefined ? h.current : this.open(h);
    for (const w of retry) this.join(w, next);
  }

  private join(w: Waiter, wt: Witness): void {
    w.witness = wt;
    wt.waiters.add(w);
    clearTimeout(wt.idleTimer);
    if (wt.sock) {
      w.fresh = false;
      this.arm(w);
    }
  }

  /** Passes `w` at its deadline if its witness is still open once the I/O that arrived by then ran. */
  private arm(w: Waiter): void {
    clearTimeout(w.timer);
    const armed = ++w.armed;
    const wt = w.witness;
    w.timer = setTimeout(
      () =>
        setImmediate(() => {
          // Failed, retried or aborted meanwhile: that path decided.
          if (w.done || w.armed !== armed || w.witness !== wt || !wt || wt.gone) return;
          this.finish(w);
          w.resolve();
        }),
      Math.max(0, w.deadline - this.now()),
    );
  }

  private fail(w: Waiter, err: RelayError): void {
    if (w.done) return;
    this.finish(w);
    w.reject(err);
  }

  /** Removes a finished waiter; its witness retires or becomes the kept connection when unused. */
  private finish(w: Waiter): void {
    w.done = true;
    clearTimeout(w.timer);
    const wt = w.witness;
    if (!wt) return;
    wt.waiters.delete(w);
    w.witness = undefined;
    this.idleIfUnused(wt);
  }

  /** An unused witness: a retiring one closes, the current one is kept until maxIdleMs. */
  private idleIfUnused(wt: Witness): void {
    const h = wt.receiver;
    // Closed, handed to a session by take(), or still in use: nothing to do.
    if (wt.waiters.size > 0 || wt.gone || !wt.sock || !h.all.has(wt)) return;
    if (h.current !== wt) {
      this.retire(wt);
      return;
    }
    wt.idleSince = this.now();
    clearTimeout(wt.idleTimer);
    wt.idleTimer = setTimeout(() => {
      if (wt.waiters.size === 0 && !wt.gone) this.retire(wt);
    }, this.o.maxIdleMs);
    wt.idleTimer.unref();
  }

  /** Closes a witness politely (an empty session: receivers log nothing for it); it stays counted until closed. */
  private retire(wt: Witness): void {
    const h = wt.receiver;
    if (h.current === wt) h.current = undefined;
    clearTimeout(wt.idleTimer);
    wt.gone = true;
    const sock = wt.sock;
    if (!sock) return; // still connecting: connected() releases it
    wt.detach?.();
    if (sock.destroyed) {
      h.all.delete(wt);
      return;
    }
    sock.once('close', () => h.all.delete(wt));
    sock.on('error', () => undefined);
    release(sock);
  }
}

function release(sock: net.Socket): void {
  if (sock.destroyed) return;
  sock.end();
  setTimeout(() => sock.destroy(), 1_000).unref();
}

function notConfirmed(host: SyslogHost, why: string): RelayError {
  return new RelayError('SYSLOG_SEND_FAILED', 'send', `batch to ${hostLabel(host)} not confirmed: the receiver went away right after closing (${why})`);
}

const key = (h: SyslogHost) => `${h.host}\u0000${h.port}`;
