// RELP framing: encodes our frames and parses the receiver's, incrementally, from a byte stream.
//
// A frame is `TXNR SP COMMAND SP DATALEN [SP DATA] LF` (the RELP specification in librelp's
// doc/relp.html): TXNR 1-999999999 (0 only for the server's own `serverclose`), COMMAND 1-32
// letters, DATALEN the byte length of DATA in decimal, with no SP and no DATA when it is 0.
// DATA is binary-safe (it is counted, not scanned), so an event may hold any byte.

export const MAX_TXNR = 999_999_999;
const OK_BYTES = Buffer.from('200 OK', 'latin1');
/** Largest DATALEN we accept from a receiver: responses are short; anything larger is garbage. */
const MAX_RESPONSE_BYTES = 1 << 20;

export interface RelpFrame {
  txnr: number;
  command: string;
  data: Buffer;
}

/** The next transaction number: 1 after MAX_TXNR (the specification's wrap; 0 is the server's). */
export function nextTxnr(txnr: number): number {
  return txnr >= MAX_TXNR ? 1 : txnr + 1;
}

export function encodeFrame(txnr: number, command: string, data: Buffer | string = ''): Buffer {
  const body = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const head = body.length === 0 ? `${txnr} ${command} 0` : `${txnr} ${command} ${body.length} `;
  // One allocation per frame (this runs once per event).
  const frame = Buffer.allocUnsafe(head.length + body.length + 1);
  const at = frame.write(head, 0, 'latin1');
  body.copy(frame, at);
  frame[at + body.length] = 0x0a;
  return frame;
}

/** A `rsp` frame's DATA: `CODE [SP TEXT] [LF OFFERS]` (offers only in the answer to `open`). */
export interface RelpResponse {
  code: number;
  text: string;
  /** Offer lines as name -> value (`commands=syslog` -> commands: 'syslog'). */
  offers: Map<string, string>;
}

const OK: RelpResponse = Object.freeze({ code: 200, text: 'OK', offers: new Map<string, string>() });

export function parseResponse(data: Buffer): RelpResponse {
  // The answer to nearly every frame: no decoding, no regex, no allocation.
  if (data.length === 6 && data.equals(OK_BYTES)) return OK;
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

export class RelpProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RelpProtocolError';
  }
}

/**
 * Incremental parser: push() whatever the socket delivered, get every complete frame back. A
 * malformed header throws RelpProtocolError (the session cannot be trusted after it).
 */
export class FrameParser {
  private buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): RelpFrame[] {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const frames: RelpFrame[] = [];
    for (;;) {
      const f = this.next();
      if (!f) return frames;
      frames.push(f);
    }
  }

  private next(): RelpFrame | undefined {
    const b = this.buf;
    // Header: three SP-separated tokens; DATALEN ends at SP (data follows) or LF (no data).
    const sp1 = b.indexOf(0x20);
    if (sp1 < 0) return this.incomplete(b.length, 9);
    const sp2 = b.indexOf(0x20, sp1 + 1);
    if (sp2 < 0) return this.incomplete(b.length - sp1 - 1, 32);
    let end = sp2 + 1;
    while (end < b.length && b[end]! >= 0x30 && b[end]! <= 0x39) end++;
    if (end === b.length) return this.incomplete(end - sp2 - 1, 9);
    const txnrText = b.toString('ascii', 0, sp1);
    const command = b.toString('ascii', sp1 + 1, sp2);
    const lenText = b.toString('ascii', sp2 + 1, end);
    if (!/^\d{1,9}$/.test(txnrText) || !/^[A-Za-z]{1,32}$/.test(command) || !/^\d{1,9}$/.test(lenText)) {
      throw new RelpProtocolError(`malformed frame header: ${JSON.stringify(b.toString('latin1', 0, Math.min(b.length, 60)))}`);
    }
    const len = Number(lenText);
    if (len > MAX_RESPONSE_BYTES) throw new RelpProtocolError(`frame of ${len} bytes from the receiver`);
    if (len === 0) {
      if (b[end] !== 0x0a) throw new RelpProtocolError('frame with DATALEN 0 not ended by LF');
      this.buf = b.subarray(end + 1);
      return { txnr: Number(txnrText), command, data: Buffer.alloc(0) };
    }
    if (b[end] !== 0x20) throw new RelpProtocolError('DATALEN not followed by SP');
    const dataStart = end + 1;
    if (b.length < dataStart + len + 1) return undefined;
    if (b[dataStart + len] !== 0x0a) throw new RelpProtocolError('frame not ended by LF after DATALEN bytes');
    const data = Buffer.from(b.subarray(dataStart, dataStart + len));
    this.buf = b.subarray(dataStart + len + 1);
    return { txnr: Number(txnrText), command, data };
  }

  /** A header still arriving; one that is already too long to be valid is garbage, not slowness. */
  private incomplete(tokenBytes: number, max: number): undefined {
    if (tokenBytes > max) throw new RelpProtocolError(`malformed frame header: ${JSON.stringify(this.buf.toString('latin1', 0, 60))}`);
    return undefined;
  }
}
