// Opens a plain TCP connection to one receiver, with a connect timeout and no unhandled 'error'.
import net from 'node:net';
import { RelayError } from '../errors.js';
import type { SyslogHost } from './types.js';

export function hostLabel(h: SyslogHost): string {
  return net.isIPv6(h.host) ? `[${h.host}]:${h.port}` : `${h.host}:${h.port}`;
}

/** A socket error as one line: errno code and Node's text (host and port only, never data). */
export function socketErrorText(err: unknown): string {
  if (err instanceof RelayError) return err.message;
  const e = err as NodeJS.ErrnoException;
  if (e && typeof e.message === 'string') return e.code && !e.message.includes(e.code) ? `${e.code}: ${e.message}` : e.message;
  return String(err);
}

/**
 * Every socket gets an 'error' listener for its whole life, before anything else happens: Node
 * throws an 'error' event that has no listener (ECONNRESET, EPIPE, ETIMEDOUT arrive at any time,
 * even after we stopped caring), and that would crash the Function host. The phase-specific
 * handlers decide what an error means; this one only keeps it from being fatal.
 */
export function guard<T extends NodeJS.EventEmitter>(emitter: T): T {
  emitter.on('error', () => undefined);
  return emitter;
}

/** Settles `connect` or a connect-phase failure (or `signal` aborting) as RelayError SYSLOG_UNREACHABLE. */
export function awaitConnected<T extends net.Socket>(sock: T, host: SyslogHost, readyEvent: 'connect' | 'secureConnect', timeoutMs: number, what: string, signal?: AbortSignal): Promise<T> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => finish(err);
    const onClose = () => finish(new Error('connection closed during connect'));
    const onAbort = () => finish(new Error('the run was stopped'));
    const timer = setTimeout(() => finish(new Error(`${what} timed out after ${timeoutMs} ms`)), timeoutMs);
    const onReady = () => finish();
    function finish(err?: Error): void {
      clearTimeout(timer);
      sock.off('error', onError);
      sock.off('close', onClose);
      sock.off(readyEvent, onReady);
      signal?.removeEventListener('abort', onAbort);
      if (err === undefined) {
        resolve(sock);
        return;
      }
      sock.destroy();
      reject(new RelayError('SYSLOG_UNREACHABLE', 'send', `${what} to ${hostLabel(host)} failed: ${socketErrorText(err)}`, { cause: err }));
    }
    sock.once('error', onError);
    sock.once('close', onClose);
    sock.once(readyEvent, onReady);
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Connects over TCP. An IP address connects without any DNS lookup (VNet private addresses). */
export function connectTcp(host: SyslogHost, timeoutMs: number, signal?: AbortSignal): Promise<net.Socket> {
  const sock = guard(net.connect({ host: host.host, port: host.port, noDelay: true }));
  return awaitConnected(sock, host, 'connect', timeoutMs, 'TCP connect', signal);
}
