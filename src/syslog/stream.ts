// Delivers one batch over one TCP/TLS connection and waits for the receiver's confirmation:
// write every frame (honouring backpressure), half-close, and succeed only when the peer answers
// with its own close. Why this counts as "the receiver has read the bytes": TCP delivers in order,
// so a receiver sees our FIN only after every byte before it; syslog daemons (rsyslog imtcp,
// syslog-ng) close their side when they read that end of stream. A receiver that dies or closes
// with unread bytes makes its kernel answer with a reset (RFC 1122 4.2.2.13), which fails the batch.
//
// The timeout runs while nothing moves (issue 13 item 7), in two phases:
// - writing: bytes are handed over in pieces of WRITE_PIECE_BYTES, the next one only once the
//   kernel took the previous (its write callback). Each accepted piece resets the socket's
//   inactivity timer, so a receiver taking 4 KiB per writeTimeoutMs keeps the session alive
//   however long the batch; one 64 KiB write would show nothing until all of it was accepted.
// - confirming (after our half-close): Node exposes no sign of the peer reading what the kernels
//   already hold (no TCP_INFO / SIOCOUTQ), so the wait is writeTimeoutMs from the last byte
//   accepted. A slower receiver gets a NoProgressError, and the sender retries in smaller
//   sessions (batch-size.ts) rather than resending the same batch forever.
import type net from 'node:net';
import tls from 'node:tls';
import { RelayError } from '../errors.js';
import { frameChunks } from './framing.js';
import { hostLabel, socketErrorText } from './tcp.js';
import type { SyslogHost, TcpFraming } from './types.js';

/** Largest write in flight: the granularity at which the sender sees the receiver's progress. */
export const WRITE_PIECE_BYTES = 4 * 1024;

export interface StreamResult {
  bytes: number;
  /** From our half-close to the receiver's close: the blind wait the timeout has to cover. */
  confirmMs: number;
}

/** A session ended by the inactivity timeout: a smaller batch may get through where this one did not. */
export class NoProgressError extends RelayError {
  constructor(
    message: string,
    readonly phase: 'writing' | 'confirming',
  ) {
    super('SYSLOG_SEND_FAILED', 'send', message);
  }
}

/**
 * Writes `messages` framed as `framing`, then ends the stream and resolves once the peer closed
 * cleanly after our end. Rejects with RelayError SYSLOG_SEND_FAILED on any error, on a peer close
 * before our end, on `signal` aborting, or with NoProgressError when nothing moves for
 * `writeTimeoutMs` (no bytes accepted by the kernel, no bytes or FIN from the peer). The socket is
 * always destroyed on failure; a plain TCP one with a reset, so the receiver sees an abandoned
 * session as broken (not as a clean end after a cut frame) and our kernel drops what it still held.
 */
export function sendConfirmed(sock: net.Socket, host: SyslogHost, messages: readonly string[], framing: TcpFraming, writeTimeoutMs: number, signal?: AbortSignal, now: () => number = Date.now): Promise<StreamResult> {
  return new Promise((resolve, reject) => {
    const pieces = slices(frameChunks(messages, framing), WRITE_PIECE_BYTES);
    let bytes = 0;
    let settled = false;
    let ended = false; // we called end(): FIN queued after the last frame
    let endedAt = 0;
    let peerEnded = false; // the peer's FIN arrived after our end

    const fail = (err: RelayError) => {
      if (settled) return;
      settled = true;
      cleanup();
      abandon(sock);
      reject(err);
    };
    const notConfirmed = (why: string, cause?: unknown) => new RelayError('SYSLOG_SEND_FAILED', 'send', `batch to ${hostLabel(host)} not confirmed: ${why}`, { cause });
    const onError = (err: Error) => fail(notConfirmed(socketErrorText(err), err));
    const onAbort = () => fail(notConfirmed('the run was stopped'));
    const onTimeout = () =>
      fail(
        ended
          ? new NoProgressError(`batch to ${hostLabel(host)} not confirmed: no confirmation (peer close) within ${writeTimeoutMs} ms of the last byte`, 'confirming')
          : new NoProgressError(`batch to ${hostLabel(host)} not confirmed: no write progress for ${writeTimeoutMs} ms (receiver not reading)`, 'writing'),
      );
    const onEnd = () => {
      if (!ended) fail(notConfirmed('the receiver closed the connection before the batch was complete'));
      else peerEnded = true;
    };
    const onClose = (hadError: boolean) => {
      if (settled) return;
      if (!peerEnded || hadError) {
        fail(notConfirmed('connection closed without the receiver confirming'));
        return;
      }
      settled = true;
      cleanup();
      resolve({ bytes, confirmMs: Math.max(0, now() - endedAt) });
    };
    // Receivers send nothing back; reading keeps the stream flowing so their FIN surfaces as 'end'.
    const onData = () => undefined;
    function cleanup(): void {
      sock.setTimeout(0);
      sock.off('error', onError);
      sock.off('timeout', onTimeout);
      sock.off('end', onEnd);
      sock.off('close', onClose);
      sock.off('data', onData);
      signal?.removeEventListener('abort', onAbort);
    }
    // One piece in flight at a time: its callback is the progress signal, and nothing is buffered
    // beyond it (Node would merge queued writes into one writev that completes only as a whole).
    function pump(): void {
      if (settled) return;
      const next = pieces.next();
      if (next.done) {
        ended = true;
        endedAt = now();
        sock.end();
        return;
      }
      bytes += next.value.length;
      sock.write(next.value, (err) => {
        if (!err) pump(); // an error also arrives as 'error'
      });
    }

    if (signal?.aborted) {
      fail(notConfirmed('the run was stopped'));
      return;
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    sock.setTimeout(writeTimeoutMs);
    sock.on('error', onError);
    sock.on('timeout', onTimeout);
    sock.on('end', onEnd);
    sock.on('close', onClose);
    sock.on('data', onData);
    pump();
  });
}

/** Cuts a stream of chunks into views of at most `size` bytes (no copy; frames may span views). */
function* slices(chunks: Iterable<Buffer>, size: number): Generator<Buffer> {
  for (const chunk of chunks) {
    for (let i = 0; i < chunk.length; i += size) yield chunk.subarray(i, i + size);
  }
}

/** Destroys a session we give up on: TCP with a reset (RST), TLS (no raw handle to reset) plainly. */
export function abandon(sock: net.Socket): void {
  if (sock.destroyed) return;
  if (sock instanceof tls.TLSSocket) {
    sock.destroy();
    return;
  }
  try {
    sock.resetAndDestroy();
  } catch {
    sock.destroy();
  }
}
