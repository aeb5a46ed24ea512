// Delivers one batch over one TCP/TLS connection and waits for the receiver's confirmation:
// write every frame (honouring backpressure), half-close, and succeed only when the peer answers
// with its own close. Why this counts as "the receiver has read the bytes": TCP delivers in order,
// so a receiver sees our FIN only after every byte before it; syslog daemons (rsyslog imtcp,
// syslog-ng) close their side when they read that end of stream. A receiver that dies or closes
// with unread bytes makes its kernel answer with a reset (RFC 1122 4.2.2.13), which fails the batch.
import type net from 'node:net';
import { RelayError } from '../errors.js';
import { frameChunks } from './framing.js';
import { hostLabel, socketErrorText } from './tcp.js';
import type { SyslogHost, TcpFraming } from './types.js';

export interface StreamResult {
  bytes: number;
}

/**
 * Writes `messages` framed as `framing`, then ends the stream and resolves once the peer closed
 * cleanly after our end. Rejects with RelayError SYSLOG_SEND_FAILED on any error, on a peer close
 * before our end, or when nothing moves for `writeTimeoutMs` (socket inactivity: no bytes
 * accepted by the kernel, no bytes or FIN from the peer). The socket is always destroyed.
 */
export function sendConfirmed(sock: net.Socket, host: SyslogHost, messages: readonly string[], framing: TcpFraming, writeTimeoutMs: number): Promise<StreamResult> {
  return new Promise((resolve, reject) => {
    const chunks = frameChunks(messages, framing);
    let bytes = 0;
    let settled = false;
    let ended = false; // we called end(): FIN queued after the last frame
    let peerEnded = false; // the peer's FIN arrived after our end

    const fail = (why: string, cause?: unknown) => {
      if (settled) return;
      settled = true;
      cleanup();
      sock.destroy();
      reject(new RelayError('SYSLOG_SEND_FAILED', 'send', `batch to ${hostLabel(host)} not confirmed: ${why}`, { cause }));
    };
    const onError = (err: Error) => fail(socketErrorText(err), err);
    const onTimeout = () => fail(ended ? `no confirmation (peer close) within ${writeTimeoutMs} ms` : `no write progress for ${writeTimeoutMs} ms (receiver not reading)`);
    const onEnd = () => {
      if (!ended) fail('the receiver closed the connection before the batch was complete');
      else peerEnded = true;
    };
    const onClose = (hadError: boolean) => {
      if (settled) return;
      if (!peerEnded || hadError) {
        fail('connection closed without the receiver confirming');
        return;
      }
      settled = true;
      cleanup();
      resolve({ bytes });
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
      sock.off('drain', pump);
    }
    function pump(): void {
      while (!settled) {
        const next = chunks.next();
        if (next.done) {
          ended = true;
          sock.end();
          return;
        }
        bytes += next.value.length;
        // write() returning false means the kernel buffer and Node's high-water mark are full:
        // wait for 'drain' instead of queueing the rest of the batch in memory.
        if (!sock.write(next.value)) {
          sock.once('drain', pump);
          return;
        }
      }
    }

    sock.setTimeout(writeTimeoutMs);
    sock.on('error', onError);
    sock.on('timeout', onTimeout);
    sock.on('end', onEnd);
    sock.on('close', onClose);
    sock.on('data', onData);
    pump();
  });
}
