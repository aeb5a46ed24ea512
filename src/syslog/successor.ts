// The liveness check that completes a TCP/TLS confirmation, and the connection it leaves open.
//
// Why: a receiver that is killed (SIGKILL, OOM, crash) after reading a batch makes its kernel
// close the connection with a FIN, exactly like a graceful close, and whatever the daemon held in
// memory is lost. A process's death closes all its sockets at once, listener included. So after
// the peer's close we open the next connection to the same receiver (the one the next batch will
// use anyway) and keep it open for a short settle time: a refused connect, or the new connection
// dropping during the settle, means the receiver died and the batch is not confirmed.
import type net from 'node:net';
import { RelayError } from '../errors.js';
import { hostLabel, socketErrorText } from './tcp.js';
import type { SyslogHost } from './types.js';

/** Resolves after `ms` if `sock` stays open; rejects SYSLOG_SEND_FAILED if it ends, closes, errors or `signal` aborts. */
export function settle(sock: net.Socket, host: SyslogHost, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const fail = (why: string, cause?: unknown) => {
      done();
      sock.destroy();
      reject(new RelayError('SYSLOG_SEND_FAILED', 'send', `batch to ${hostLabel(host)} not confirmed: the receiver went away right after closing (${why})`, { cause }));
    };
    const onEnd = () => fail('its next connection was closed');
    const onClose = () => fail('its next connection was closed');
    const onError = (err: Error) => fail(socketErrorText(err), err);
    const onData = () => undefined;
    const onAbort = () => fail('the run was stopped');
    const timer = setTimeout(() => {
      done();
      resolve();
    }, ms);
    function done(): void {
      clearTimeout(timer);
      sock.off('end', onEnd);
      sock.off('close', onClose);
      sock.off('error', onError);
      sock.off('data', onData);
      signal?.removeEventListener('abort', onAbort);
    }
    if (sock.destroyed || sock.readableEnded) {
      fail('its next connection was closed');
      return;
    }
    if (signal?.aborted) {
      onAbort();
      return;
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    sock.on('end', onEnd);
    sock.on('close', onClose);
    sock.on('error', onError);
    sock.on('data', onData);
  });
}

/** An open connection kept for the next batch; it notices the peer closing it meanwhile. */
export class WarmConnection {
  private dead = false;
  private readonly since: number;
  private readonly onGone = () => {
    this.dead = true;
    this.sock.destroy();
  };
  private readonly onData = () => undefined;
  private readonly idleTimer: NodeJS.Timeout;

  constructor(
    readonly sock: net.Socket,
    readonly host: SyslogHost,
    private readonly now: () => number,
    idleMs = 10_000,
  ) {
    this.since = now();
    // A kept connection must neither hold the process open (a CLI run or a Function worker that is
    // done) nor sit idle at the receiver until the next tick: close it once it is too old to reuse.
    sock.unref();
    this.idleTimer = setTimeout(() => this.release(), idleMs);
    this.idleTimer.unref();
    sock.on('end', this.onGone);
    sock.on('close', this.onGone);
    sock.on('error', this.onGone);
    sock.on('data', this.onData);
  }

  /** The socket, if still open, for this host, and not idle longer than `maxIdleMs`; detached either way. */
  take(host: SyslogHost, maxIdleMs: number): net.Socket | undefined {
    this.detach();
    const usable = !this.dead && !this.sock.destroyed && !this.sock.readableEnded && this.sock.writable && host.host === this.host.host && host.port === this.host.port && this.now() - this.since <= maxIdleMs;
    if (usable) {
      this.sock.ref();
      return this.sock;
    }
    this.release();
    return undefined;
  }

  /** Closes politely (an empty session: receivers log nothing for it). */
  release(): void {
    this.detach();
    if (!this.sock.destroyed) {
      this.sock.end();
      setTimeout(() => this.sock.destroy(), 1_000).unref();
    }
  }

  private detach(): void {
    clearTimeout(this.idleTimer);
    this.sock.off('end', this.onGone);
    this.sock.off('close', this.onGone);
    this.sock.off('error', this.onGone);
    this.sock.off('data', this.onData);
  }
}
