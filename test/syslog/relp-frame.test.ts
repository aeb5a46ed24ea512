// RELP framing without a network: frames encode as the specification writes them, the parser
// takes the receiver's bytes in any split, and rejects what is not a RELP frame.
import { describe, expect, it } from 'vitest';
import { encodeFrame, encodeSyslogFrames, FrameParser, MAX_TXNR, nextTxnr, parseResponse, RelpProtocolError, type RelpFrame } from '../../src/syslog/relp/frame.js';

/** What feed() reported, in order: `ok <txnr>` for a 200 OK, else `<txnr> <command> <data>`. */
function fed(p: FrameParser, ...chunks: Buffer[]): string[] {
  const seen: string[] = [];
  const sink = { ok: (txnr: number) => void seen.push(`ok ${txnr}`), frame: (f: RelpFrame) => void seen.push(`${f.txnr} ${f.command} ${f.data.toString()}`) };
  for (const c of chunks) p.feed(c, sink);
  return seen;
}

const ev = (msg: string) => ({ msg, bytes: Buffer.byteLength(msg) });

describe('RELP frames', () => {
  it('encodes TXNR SP COMMAND SP DATALEN SP DATA LF, counting bytes, and no SP or DATA when empty', () => {
    expect(encodeFrame(7, 'syslog', 'hé').toString('utf8')).toBe('7 syslog 3 hé\n');
    expect(encodeFrame(3, 'close').toString('utf8')).toBe('3 close 0\n');
    // DATA is counted, not scanned: an LF inside an event stays inside its frame.
    expect(encodeFrame(1, 'syslog', 'a\nb').toString('utf8')).toBe('1 syslog 3 a\nb\n');
  });

  it('wraps the transaction number from 999999999 to 1 (0 is the server\'s)', () => {
    expect(nextTxnr(1)).toBe(2);
    expect(nextTxnr(MAX_TXNR)).toBe(1);
  });

  it('parses frames split at every byte boundary, several per chunk, with and without data', () => {
    const wire = Buffer.from('1 rsp 93 200 OK\nrelp_version=0\nrelp_software=librelp,1.11.0,http://librelp.adiscon.com\ncommands=syslog\n2 rsp 6 200 OK\n3 rsp 0\n0 serverclose 0\n');
    for (let cut = 1; cut < wire.length; cut++) {
      const p = new FrameParser();
      const frames = [...p.push(wire.subarray(0, cut)), ...p.push(wire.subarray(cut))];
      expect(frames.map((f) => `${f.txnr} ${f.command} ${f.data.length}`)).toEqual(['1 rsp 93', '2 rsp 6', '3 rsp 0', '0 serverclose 0']);
    }
    const one = new FrameParser();
    const byByte = [...wire].flatMap((b) => one.push(Buffer.from([b])));
    expect(byByte).toHaveLength(4);
  });

  it('reads the status code, text and offers of a response', () => {
    const r = parseResponse(Buffer.from('200 OK\nrelp_version=0\ncommands=syslog'));
    expect(r).toMatchObject({ code: 200, text: 'OK' });
    expect(Object.fromEntries(r.offers)).toEqual({ relp_version: '0', commands: 'syslog' });
    expect(parseResponse(Buffer.from('500 required command not supported by client'))).toMatchObject({ code: 500, text: 'required command not supported by client' });
    expect(parseResponse(Buffer.alloc(0)).code).toBe(0); // librelp's answer to close
    expect(() => parseResponse(Buffer.from('OK'))).toThrow(RelpProtocolError);
  });

  it.each([
    ['a plain syslog line', '<134>1 2024-05-06T07:08:09Z host app - - - hello\n'],
    ['a letter in DATALEN', '1 rsp 6x 200 OK\n'],
    ['a missing trailer LF', '1 rsp 6 200 OKX'],
    ['a huge DATALEN', '1 rsp 999999999 '],
    ['a txnr of ten digits', '12345678901 rsp 0\n'],
    ['an empty frame without LF', '1 rsp 0X'],
  ])('rejects %s', (_, text) => {
    expect(() => new FrameParser().push(Buffer.from(text))).toThrow(RelpProtocolError);
  });

  it('waits for the rest of a frame rather than guessing', () => {
    const p = new FrameParser();
    expect(p.push(Buffer.from('12 rsp 6 200'))).toEqual([]);
    expect(p.push(Buffer.from(' OK\n')).map((f) => f.data.toString())).toEqual(['200 OK']);
  });

  it('frames a run of events in one buffer exactly as encodeFrame frames each, counting UTF-8 bytes, across the txnr wrap', () => {
    const events = ['a', 'hé 東京 🚀', 'line\nbreak', '', 'x'.repeat(70_000)].map(ev);
    const expected = (first: number) => {
      let t = first;
      return Buffer.concat(events.map((e, i) => encodeFrame((t = i === 0 ? t : nextTxnr(t)), 'syslog', e.msg)));
    };
    expect(encodeSyslogFrames(6, events).equals(expected(7))).toBe(true);
    // Numbered 999999998, 999999999, 1, 2, 3: the wrap skips 0, as nextTxnr does.
    expect(encodeSyslogFrames(MAX_TXNR - 2, events).equals(expected(MAX_TXNR - 1))).toBe(true);
    // An empty event takes the DATALEN-0 form (no SP, no DATA), which the parser reads back.
    expect(encodeSyslogFrames(0, [ev('')]).toString()).toBe('1 syslog 0\n');
    const back = new FrameParser().push(encodeSyslogFrames(0, events));
    expect(back.map((f) => [f.txnr, f.command, f.data.toString()])).toEqual(events.map((e, i) => [i + 1, 'syslog', e.msg]));
  });

  it('reports a long run of acks, a refusal and a serverclose in order, whatever the chunk boundaries', () => {
    const acks = Array.from({ length: 40 }, (_, i) => `${i + 998} rsp 6 200 OK\n`).join('');
    const wire = Buffer.from(`${acks}1038 rsp 20 500 message too long\n1039 rsp 7 200 OKX\n0 serverclose 0\n`);
    const want = [...Array.from({ length: 40 }, (_, i) => `ok ${i + 998}`), '1038 rsp 500 message too long', '1039 rsp 200 OKX', '0 serverclose '];
    // All in one read (many acks per chunk), and split in two at every byte boundary.
    expect(fed(new FrameParser(), wire)).toEqual(want);
    for (let cut = 1; cut < wire.length; cut++) expect(fed(new FrameParser(), wire.subarray(0, cut), wire.subarray(cut))).toEqual(want);
    // One byte per read.
    expect(fed(new FrameParser(), ...[...wire].map((b) => Buffer.from([b])))).toEqual(want);
  });

  it('does not mistake a longer or shorter answer for 200 OK', () => {
    expect(fed(new FrameParser(), Buffer.from('1 rsp 5 200 O\n2 rsp 7 200 OK!\n3 rsp 6 200 ok\n4 rsp 6 201 OK\n5 rsx 6 200 OK\n'))).toEqual(['1 rsp 200 O', '2 rsp 200 OK!', '3 rsp 200 ok', '4 rsp 201 OK', '5 rsx 200 OK']);
  });

  it('reports the frames before a malformed one, then throws', () => {
    const seen: number[] = [];
    const p = new FrameParser();
    expect(() => p.feed(Buffer.from('1 rsp 6 200 OK\n2 rsp 6 200 OK\n3 rsp 6x'), { ok: (t) => void seen.push(t), frame: () => undefined })).toThrow(RelpProtocolError);
    expect(seen).toEqual([1, 2]);
  });
});
