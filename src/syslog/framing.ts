// Stream framing for syslog over TCP/TLS (RFC 6587): LF ("non-transparent") or octet counting.
import type { TcpFraming } from './types.js';

/** Size of the chunks handed to the socket: big enough to amortise syscalls, small enough that a
 *  batch is never held twice in memory (sonic-boom uses 16 KiB; 64 KiB is one loopback segment). */
export const CHUNK_BYTES = 64 * 1024;

const LINE_BREAKS = /\r\n|[\r\n]/g;

/**
 * With LF framing a raw CR/LF inside a message would split it into two events, or let text from
 * an alert forge a whole extra event (RFC 6587 section 3.4.2). The CEF stage already escapes them;
 * this is the last line of defence: each line break becomes one space, so the event stays one
 * event and nothing is lost.
 */
export function lfSafe(message: string): string {
  return message.includes('\n') || message.includes('\r') ? message.replace(LINE_BREAKS, ' ') : message;
}

/** One frame as text: `MSG LF`, or `MSG-LEN SP MSG` where MSG-LEN counts UTF-8 octets (RFC 6587 3.4.1). */
export function frame(message: string, framing: TcpFraming): string {
  return framing === 'lf' ? `${lfSafe(message)}\n` : `${Buffer.byteLength(message, 'utf8')} ${message}`;
}

/**
 * Frames a batch into chunks of about `chunkBytes` (a frame is never cut across chunks; a frame
 * bigger than a chunk is a chunk of its own). Lazy: the caller writes one chunk, waits for
 * 'drain' when the socket asks, then pulls the next, so at most one chunk is buffered here.
 */
export function* frameChunks(messages: readonly string[], framing: TcpFraming, chunkBytes = CHUNK_BYTES): Generator<Buffer> {
  let parts: string[] = [];
  let size = 0; // UTF-16 units: close enough to bytes to decide when a chunk is full
  for (const m of messages) {
    const f = frame(m, framing);
    parts.push(f);
    size += f.length;
    if (size >= chunkBytes) {
      yield Buffer.from(parts.join(''), 'utf8');
      parts = [];
      size = 0;
    }
  }
  if (parts.length > 0) yield Buffer.from(parts.join(''), 'utf8');
}

/** Inverse of `frame` for one octet-counted stream: used by tests and the fake receivers. */
export function parseOctetCounted(data: Buffer): { messages: string[]; rest: Buffer } {
  const messages: string[] = [];
  let i = 0;
  for (;;) {
    const sp = data.indexOf(0x20, i);
    if (sp < 0) break;
    const len = Number(data.subarray(i, sp).toString('latin1'));
    if (!Number.isInteger(len) || len < 0 || sp - i > 10) throw new Error(`bad octet count at byte ${i}`);
    if (sp + 1 + len > data.length) break;
    messages.push(data.subarray(sp + 1, sp + 1 + len).toString('utf8'));
    i = sp + 1 + len;
  }
  return { messages, rest: data.subarray(i) };
}
