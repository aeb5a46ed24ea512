// Hand-written hostile corpus: attacker-controlled text can neither break nor forge an event.
import { describe, expect, it } from 'vitest';
import { DEFAULT_CEF_OPTIONS } from '../../src/cef/index.js';
import { createFormatter } from '../../src/sources/mdca/cef/index.js';
import type { MdcaActivity, MdcaAlert } from '../../src/sources/mdca/types.js';
import { parseLine } from '../support/cef-parser.js';
import { lognormalize } from '../support/lognormalizer.js';

const f = createFormatter({ ...DEFAULT_CEF_OPTIONS, version: '1.0' });
const MB = 'A'.repeat(1 << 20);

/** [label, raw text, what a parser must read back from msg] */
const CORPUS: Array<[string, string, string]> = [
  ['newline forging a second event', 'x\nCEF:0|MCAS|SIEM_Agent|1|EVIL|forged|10|act=pwned', 'x\nCEF:0|MCAS|SIEM_Agent|1|EVIL|forged|10|act=pwned'],
  ['CRLF', 'a\r\nb', 'a\r\nb'],
  ['= forging a key', 'hello suser=attacker cs1=http://evil', 'hello suser=attacker cs1=http://evil'],
  ['pipes', '|a|b|c|', '|a|b|c|'],
  ['trailing backslash', 'ends with \\', 'ends with \\'],
  ['only backslashes', '\\\\\\', '\\\\\\'],
  ['backslash before n', '\\n is not a newline', '\\n is not a newline'],
  ['backslash before =', 'a\\=b', 'a\\=b'],
  ['NUL and controls', 'a\0b\x01c\x1bd\x7fe\x85f\tg', 'a\uFFFDb\uFFFDc\uFFFDd\uFFFDe\uFFFDf\uFFFDg'],
  ['lone surrogates', 'x\ud800y\udc00z\udbff', 'x\uFFFDy\uFFFDz\uFFFD'],
  ['reversed surrogate pair', '\udc00\ud800', '\uFFFD\uFFFD'],
  ['RTL override and marks', '\u202egnp.exe\u200f', '\u202egnp.exe\u200f'],
  ['emoji and ZWJ sequence', '👨‍👩‍👧 🔥', '👨‍👩‍👧 🔥'],
  ['line and paragraph separators', 'a\u2028b\u2029c', 'a\u2028b\u2029c'],
  ['leading and inner spaces', '  two  spaces ', '  two  spaces '],
  ['empty', '', ''],
];

function alertWith(text: string): MdcaAlert {
  return {
    _id: '0123456789abcdef01234567',
    timestamp: 1700000000000,
    title: text,
    description: text,
    alertType: text === '' ? 'ALERT_X' : text,
    URL: text,
    audits: [text],
    entities: [
      { type: 'policyRule', id: text, label: text },
      { type: 'service', id: 10489, label: text },
      { type: 'user', id: text, label: text },
    ],
  };
}

describe('hostile alert text', () => {
  it.each(CORPUS)('%s yields one line whose fields read back exactly', (_label, raw, want) => {
    const line = f.alert(alertWith(raw));
    expect(line).not.toMatch(/[\r\n\0]/);
    const p = parseLine(line);
    expect(p.extension.msg).toBe(want);
    expect(p.extension.suser).toBe(want);
    expect(p.extension.destinationServiceName).toBe(want);
    expect(p.extension.cs1).toBe(want);
    expect(p.extension.cs3).toBe(want);
    expect(p.extension.cs4).toBe(want);
    // Header: line breaks become spaces there (the spec forbids them), the rest is identical.
    expect(p.name).toBe(want.replace(/[\r\n]/g, ' '));
    expect(p.keys).toEqual(['externalId', 'start', 'end', 'msg', 'suser', 'destinationServiceName', 'cn1Label', 'cn1', 'cs1Label', 'cs1', 'cs2Label', 'cs2', 'cs3Label', 'cs3', 'cs4Label', 'cs4']);
    expect(p.severity).toBe('3');
  });

  it('lognormalizer reads the whole corpus to the same values as the strict parser', () => {
    const lines = CORPUS.map(([, raw]) => f.alert(alertWith(raw)));
    const ln = lognormalize(lines.map((l) => parseLine(l).prefix.cef));
    ln.forEach((r, i) => {
      expect(r.ok, lines[i]).toBe(true);
      if (r.ok) {
        expect(r.cef.extension).toEqual(parseLine(lines[i]!).extension);
        expect(r.cef.name).toBe(parseLine(lines[i]!).name);
      }
    });
  });

  it('1 MB strings in every field still give one line under the cap, cut at the dictionary limits', () => {
    const line = f.alert(alertWith(MB));
    expect(Buffer.byteLength(line)).toBeLessThanOrEqual(8192);
    const p = parseLine(line);
    expect(p.keys).toHaveLength(16);
    // Dictionary limits first (name 512, signature id and msg-like fields 1023), then the cap levels the
    // three 4000-byte fields to one size between those: no field is merely "a prefix", each is exact.
    expect(p.name).toBe('A'.repeat(512));
    expect(p.signatureId).toBe('A'.repeat(1023));
    for (const k of ['msg', 'suser', 'destinationServiceName']) expect(p.extension[k]).toBe('A'.repeat(1023));
    const level = p.extension.cs1!.length;
    expect(level).toBeGreaterThan(1023);
    expect(level).toBeLessThan(4000);
    for (const k of ['cs1', 'cs3', 'cs4']) expect(p.extension[k]).toBe('A'.repeat(level));
    expect(Buffer.byteLength(line)).toBeGreaterThan(8192 - 3);
    expect(p.extension.externalId).toBe('0123456789abcdef01234567');
  });

  it('a 1 MB description of escapes is cut between escapes, never inside one', () => {
    for (const ch of ['\\', '=', '\n', '😀', 'é']) {
      const line = f.alert({ ...alertWith('x'), description: ch.repeat(1 << 19) });
      const p = parseLine(line);
      const msg = p.extension.msg!;
      expect(msg.length).toBeGreaterThan(0);
      expect(msg).toBe(ch.repeat(msg.length / ch.length));
      // msg limit 1023 bytes after escaping: the next character would not have fitted.
      const escaped = Buffer.byteLength(ch === '\\' || ch === '=' || ch === '\n' ? `\\${ch}` : ch);
      expect((msg.length / ch.length) * escaped).toBeLessThanOrEqual(1023);
      expect((msg.length / ch.length + 1) * escaped).toBeGreaterThan(1023);
    }
  });

  it('non-string and missing fields still give one valid line with every key', () => {
    const weird = { _id: 42, timestamp: 'yesterday', entities: [null, 7, { type: 'service', id: { x: 1 } }], audits: [1, null], threatScore: NaN } as unknown as MdcaAlert;
    const p = parseLine(f.alert(weird));
    expect(p.keys).toHaveLength(16);
    expect(p.extension.externalId).toBe('42');
    expect(p.extension.start).toBe('');
    expect(p.prefix.timestamp).toBe('1970-01-01T00:00:00.000Z');
    expect(p.extension.cn1).toBe('');
    expect(parseLine(f.activity({} as MdcaActivity)).keys).toHaveLength(19);
  });

  it('a user agent with newlines and = cannot forge activity fields', () => {
    const ua = 'Mozilla/5.0\nCEF:0|x|y|1|s|n|10|act=forged dvc=6.6.6.6';
    const p = parseLine(f.activity({ _id: 'a', timestamp: 1, device: { userAgent: ua, clientIP: '6.6.6.6\n' } }));
    expect(p.extension.requestClientApplication).toBe(ua);
    expect(p.extension.dvc).toBe('');
    expect(p.extension.act).toBeUndefined();
  });

  it('IPs are written only when valid: src for IPv4, c6a1 for IPv6', () => {
    const withIps = (...ips: string[]) => parseLine(f.alert({ ...alertWith('x'), entities: ips.map((ip) => ({ type: 'ip', id: ip })) }));
    expect(withIps('10.1.2.3').extension.src).toBe('10.1.2.3');
    expect(withIps('fe80::1').extension.c6a1).toBe('fe80::1');
    const both = withIps('fe80::1', '10.1.2.3');
    expect(both.keys.slice(-3)).toEqual(['src', 'c6a1Label', 'c6a1']);
    expect(withIps('10.1.2.3 evil=1').keys).not.toContain('src');
  });
});
