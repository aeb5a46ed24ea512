// RELP framing without a network: frames encode as the specification writes them, the parser
// takes the receiver's bytes in any split, and rejects what is not a RELP frame.
import { describe, expect, it } from 'vitest';
import { encodeFrame, FrameParser, MAX_TXNR, nextTxnr, parseResponse, RelpProtocolError } from '../../src/syslog/relp/frame.js';

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
});
