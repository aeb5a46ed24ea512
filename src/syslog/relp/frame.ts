// RELP framing: encodes our frames and parses the receiver's, incrementally, from a byte stream.
//
// A frame is `TXNR SP COMMAND SP DATALEN [SP DATA] LF` (the RELP specification in librelp's
// doc/relp.html): TXNR 1-999999999 (0 only for the server's own `serverclose`), COMMAND 1-32
// letters, DATALEN the byte length of DATA in decimal, with no SP and no DATA when it is 0.
// DATA is binary-safe (it is counted, not scanned), so an event may hold any byte.
//
// Both directions run once per event, so neither makes a string, a regex match or an object per
// frame on the common path: a window of events is encoded into one buffer (one write), and an
// `rsp 200 OK` is recognised byte by byte and reported as its txnr alone.

export const MAX_TXNR = 999_999_999;
/** Largest DATALEN we accept from a receiver: responses are short; anything larger is garbage. */
const MAX_RESPONSE_BYTES = 1 << 20;
const SP = 0x20;
const LF = 0x0a;
const SYSLOG = Buffer.from(' syslog ', 'latin1');

export interface RelpFrame {
  txnr: number;
  command: string;
  data: Buffer;
}

/** An event to frame: its text and that text's UTF-8 byte length (counted once, when queued). */
export interface OutgoingEvent {
  readonly msg: string;
  readonly bytes: number;
}

/** The next transaction number: 1 after MAX_TXNR (the specification's wrap; 0 is the server's). */
export function nextTxnr(txnr: number): number {
  return txnr >= MAX_TXNR ? 1 : txnr + 1;
}

export function encodeFrame(txnr: number, command: string, data: Buffer | string = ''): Buffer {
  const body = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const head = body.length === 0 ? `${txnr} ${command} 0` : `${txnr} ${command} ${body.length} `;
  const frame = Buffer.allocUnsafe(head.length + body.length + 1);
  const at = frame.write(head, 0, 'latin1');
  body.copy(frame, at);
  frame[at + body.length] = LF;
  return frame;
}

/**
 * One `syslog` frame per event, numbered nextTxnr(after), nextTxnr of that, ..., all in one
 * buffer: the session writes a window refill with one syscall, and the receiver reads many
 * frames per read.
 */
export function encodeSyslogFrames(after: number, events: readonly OutgoingEvent[]): Buffer {
  let size = 0;
  let txnr = after;
  for (const e of events) {
    txnr = nextTxnr(txnr);
    // An empty event takes the DATALEN-0 form: no SP, no DATA.
    size += digits(txnr) + SYSLOG.length + digits(e.bytes) + (e.bytes === 0 ? 0 : 1 + e.bytes) + 1;
  }
  const buf = Buffer.allocUnsafe(size);
  let at = 0;
  txnr = after;
  for (const e of events) {
    txnr = nextTxnr(txnr);
    at = writeDecimal(buf, at, txnr);
    at += SYSLOG.copy(buf, at);
    at = writeDecimal(buf, at, e.bytes);
    if (e.bytes > 0) {
      buf[at++] = SP;
      at += buf.write(e.msg, at, e.bytes, 'utf8');
    }
    buf[at++] = LF;
  }
  return buf;
}

function digits(n: number): number {
  let d = 1;
  while (n >= 10) {
    n = Math.floor(n / 10);
    d++;
  }
  return d;
}

function writeDecimal(buf: Buffer, at: number, n: number): number {
  const end = at + digits(n);
  for (let i = end - 1; i >= at; i--) {
    buf[i] = 0x30 + (n % 10);
    n = Math.floor(n / 10);
  }
  return end;
}

/** A `rsp` frame's DATA: `CODE [SP TEXT] [LF OFFERS]` (offers only in the answer to `open`). */
export interface RelpResponse {
  code: number;
  text: string;
  /** Offer lines as name -> value (`commands=syslog` -> commands: 'syslog'). */
  offers: Map<string, string>;
}

export const OK_RESPONSE: RelpResponse = Object.freeze({ code: 200, text: 'OK', offers: new Map<string, string>() });

export function parseResponse(data: Buffer): RelpResponse {
  if (isOk(data, 0, data.length)) return OK_RESPONSE;
  const s = data.toString('utf8');
  // librelp answers `close` with an empty rsp: no status at all, code 0 here.
  if (s === '') return { code: 0, text: '', offers: new Map() };
  const nl = s.indexOf('\n');
  const first = nl < 0 ? s : s.slice(0, nl);
  const m = /^(\d{3})(?: (.*))?$/.exec(first);
  if (!m) throw new RelpProtocolError(`response without a status code: ${JSON.stringify(first.slice(0, 80))}`);
  const offers = new Map<string, string>();
  if (nl >= 0) {
    for (const line of s.slice(nl + 1).split('\n')) {
      if (line === '') continue;
      const eq = line.indexOf('=');
      offers.set(eq < 0 ? line : line.slice(0, eq), eq < 0 ? '' : line.slice(eq + 1));
    }
  }
  return { code: Number(m[1]), text: m[2] ?? '', offers };
}

/** Whether b[start, end) is exactly `200 OK`. */
function isOk(b: Buffer, start: number, end: number): boolean {
  return end - start === 6 && b[start] === 0x32 && b[start + 1] === 0x30 && b[start + 2] === 0x30 && b[start + 3] === SP && b[start + 4] === 0x4f && b[start + 5] === 0x4b;
}

export class RelpProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RelpProtocolError';
  }
}

/** Where FrameParser.feed() reports frames. */
export interface FrameSink {
  /** An `rsp` frame whose DATA is exactly `200 OK` (the answer to nearly every frame). */
  ok(txnr: number): void;
  /** Any other frame. */
  frame(f: RelpFrame): void;
}

/**
 * Incremental parser: feed() whatever the socket delivered; every complete frame goes to the sink,
 * in order; the bytes of an incomplete one are kept for the next chunk. A malformed header throws
 * RelpProtocolError as soon as its bad byte arrives (the session cannot be trusted after it).
 */
export class FrameParser {
  private rest?: Buffer;

  feed(chunk: Buffer, sink: FrameSink): void {
    const b = this.rest ? Buffer.concat([this.rest, chunk]) : chunk;
    this.rest = undefined;
    const end = b.length;
    let pos = 0;
    while (pos < end) {
      const start = pos;
      // TXNR
      pos = digitsEnd(b, start, end, 9);
      if (pos < 0) return this.malformed(b, start);
      if (pos === end) return this.keep(b, start);
      if (pos === start || b[pos] !== SP) return this.malformed(b, start);
      const txnr = digitsValue(b, start, pos);
      // COMMAND
      const cmdStart = ++pos;
      while (pos < end && isLetter(b[pos]!)) if (++pos - cmdStart > 32) return this.malformed(b, start);
      if (pos === end) return this.keep(b, start);
      if (pos === cmdStart || b[pos] !== SP) return this.malformed(b, start);
      const cmdEnd = pos++;
      // DATALEN
      const lenStart = pos;
      pos = digitsEnd(b, lenStart, end, 9);
      if (pos < 0) return this.malformed(b, start);
      if (pos === end) return this.keep(b, start);
      if (pos === lenStart) return this.malformed(b, start);
      const len = digitsValue(b, lenStart, pos);
      if (len > MAX_RESPONSE_BYTES) throw new RelpProtocolError(`frame of ${len} bytes from the receiver`);
      let dataStart = pos;
      if (len === 0) {
        if (b[pos] !== LF) throw new RelpProtocolError('frame with DATALEN 0 not ended by LF');
      } else {
        if (b[pos] !== SP) throw new RelpProtocolError('DATALEN not followed by SP');
        dataStart = pos + 1;
        if (end < dataStart + len + 1) return this.keep(b, start);
        if (b[dataStart + len] !== LF) throw new RelpProtocolError('frame not ended by LF after DATALEN bytes');
      }
      pos = dataStart + len + 1;
      const rsp = cmdEnd - cmdStart === 3 && b[cmdStart] === 0x72 && b[cmdStart + 1] === 0x73 && b[cmdStart + 2] === 0x70;
      if (rsp && isOk(b, dataStart, dataStart + len)) sink.ok(txnr);
      else sink.frame({ txnr, command: b.toString('latin1', cmdStart, cmdEnd), data: Buffer.from(b.subarray(dataStart, dataStart + len)) });
    }
  }

  /** Every complete frame of the chunk as an object (for tests and scripted receivers). */
  push(chunk: Buffer): RelpFrame[] {
    const frames: RelpFrame[] = [];
    this.feed(chunk, {
      ok: (txnr) => frames.push({ txnr, command: 'rsp', data: Buffer.from('200 OK', 'latin1') }),
      frame: (f) => frames.push(f),
    });
    return frames;
  }

  /** A frame still arriving: its bytes wait for the next chunk (a copy: the chunk is not ours). */
  private keep(b: Buffer, start: number): void {
    this.rest = Buffer.from(b.subarray(start));
  }

  private malformed(b: Buffer, start: number): never {
    throw new RelpProtocolError(`malformed frame header: ${JSON.stringify(b.toString('latin1', start, Math.min(b.length, start + 60)))}`);
  }
}

/** Where the run of ASCII digits from `pos` ends (`pos` itself when there is none), or -1 once it
 *  is longer than `max` digits (as soon as that byte is seen, even in an incomplete frame). */
function digitsEnd(b: Buffer, pos: number, end: number, max: number): number {
  const from = pos;
  while (pos < end && isDigit(b[pos]!)) if (++pos - from > max) return -1;
  return pos;
}

/** The number the digits b[from, to) spell (at most 9 of them: within a safe integer). */
function digitsValue(b: Buffer, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) n = n * 10 + b[i]! - 0x30;
  return n;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isLetter(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}
