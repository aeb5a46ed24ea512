// Every field limit to the byte: a field alone over its dictionary limit is cut to exactly that limit (not
// a prefix of it), cuts fall between characters and escapes, and the whole-message cap trims largest first.
// The limits are written out here as numbers on purpose: a changed table in limits/fields.ts must fail.
import { describe, expect, it } from 'vitest';
import { DEFAULT_CEF_OPTIONS } from '../../src/cef/index.js';
import { createFormatter } from '../../src/sources/mdca/cef/index.js';
import { escapeExtensionValue, escapeHeaderField, preCut, sanitizeKey } from '../../src/cef/escape.js';
import { DEFAULT_VALUE_LIMIT, extensionLimit } from '../../src/cef/limits/fields.js';
import { fitToCap, type Trimmable } from '../../src/cef/limits/message-cap.js';
import { truncateEscaped, utf8Bytes } from '../../src/cef/limits/truncate.js';
import type { MdcaActivity, MdcaAlert } from '../../src/sources/mdca/types.js';
import { parseLine } from '../support/cef-parser.js';

const big = (n: number, ch = 'a') => ch.repeat(n);
// A cap far above every limit, so only the per-field limits act; and the default 8 KiB cap.
const wide = createFormatter({ ...DEFAULT_CEF_OPTIONS, maxMessageBytes: 1 << 20 });
const usual = createFormatter(DEFAULT_CEF_OPTIONS);

const small: MdcaAlert = {
  _id: 'id1',
  timestamp: 1_700_000_000_000,
  title: 't',
  description: 'd',
  alertType: 'ALERT_X',
  URL: 'u',
  audits: ['a'],
  entities: [
    { type: 'policyRule', id: 'p', label: 'n' },
    { type: 'service', id: 1, label: 's' },
    { type: 'user', id: 'x', label: 'x' },
  ],
};

/** One alert field made `n` bytes long, the others a character each. */
const ALERT_FIELD: Record<string, [limit: number, (text: string) => MdcaAlert]> = {
  externalId: [255, (t) => ({ ...small, _id: t })],
  msg: [1023, (t) => ({ ...small, description: t })],
  suser: [1023, (t) => ({ ...small, entities: [small.entities![0]!, small.entities![1]!, { type: 'user', id: 'x', label: t }] })],
  destinationServiceName: [1023, (t) => ({ ...small, entities: [small.entities![0]!, { type: 'service', id: 1, label: t }, small.entities![2]!] })],
  cs1: [4000, (t) => ({ ...small, URL: t })],
  cs3: [4000, (t) => ({ ...small, audits: [t] })],
  cs4: [4000, (t) => ({ ...small, entities: [{ type: 'policyRule', id: t, label: 'n' }, small.entities![1]!, small.entities![2]!] })],
};

describe('per-field dictionary limits, to the byte', () => {
  for (const [key, [limit, make]] of Object.entries(ALERT_FIELD)) {
    it(`alert ${key}: ${limit} bytes kept whole, ${limit + 1} cut to exactly ${limit}`, () => {
      for (const f of [wide, usual]) {
        expect(parseLine(f.alert(make(big(limit)))).extension[key]).toBe(big(limit));
        expect(parseLine(f.alert(make(big(limit + 1)))).extension[key]).toBe(big(limit));
        expect(parseLine(f.alert(make(big(50_000)))).extension[key]).toBe(big(limit));
      }
    });
  }

  it('header: name 512 bytes, signature id 1023 bytes', () => {
    const p = parseLine(wide.alert({ ...small, alertType: big(5000), entities: [{ type: 'policyRule', id: 'p', label: big(5000) }] }));
    expect(p.name).toBe(big(512));
    expect(p.signatureId).toBe(big(1023));
  });

  it('activity: user agent 1023, target objects (cs3) 4000, policy ids (cs4) 4000', () => {
    const a = { _id: 'a', timestamp: 1, device: { userAgent: big(9000) }, mainInfo: { eventObjects: [{ name: big(9000) }] }, policyIds: [big(9000)] } as unknown as MdcaActivity;
    const p = parseLine(wide.activity(a));
    expect(p.extension.requestClientApplication).toBe(big(1023));
    expect(p.extension.cs3).toBe(big(4000));
    expect(p.extension.cs4).toBe(big(4000));
  });

  it('a limit is counted on the escaped bytes: 4000 of "=" become 2000 escapes, one more is cut', () => {
    expect(parseLine(wide.alert(ALERT_FIELD.cs3![1](big(2000, '=')))).extension.cs3).toBe(big(2000, '='));
    expect(parseLine(wide.alert(ALERT_FIELD.cs3![1](big(2001, '=')))).extension.cs3).toBe(big(2000, '='));
  });

  it('keys the dictionary does not list get 1023 bytes', () => {
    expect(DEFAULT_VALUE_LIMIT).toBe(1023);
    expect(extensionLimit('notAKey')).toBe(1023);
    expect(extensionLimit('cs6')).toBe(4000);
    expect(extensionLimit('requestContext')).toBe(2048);
  });
});

describe('truncateEscaped', () => {
  it('keeps a string that fits, whatever its width', () => {
    expect(truncateEscaped('abc', 3)).toBe('abc');
    expect(truncateEscaped('é', 2)).toBe('é');
    expect(truncateEscaped('€€', 6)).toBe('€€');
    expect(truncateEscaped('😀', 4)).toBe('😀');
  });
  it('cuts each width at the last whole character', () => {
    expect(truncateEscaped('abcd', 3)).toBe('abc');
    expect(truncateEscaped('ééé', 5)).toBe('éé');
    expect(truncateEscaped('ééé', 4)).toBe('éé');
    expect(truncateEscaped('€€€', 8)).toBe('€€');
    expect(truncateEscaped('😀😀', 7)).toBe('😀');
    expect(truncateEscaped('😀😀', 3)).toBe('');
    expect(truncateEscaped('a😀', 4)).toBe('a');
  });
  it('keeps or drops an escape whole', () => {
    expect(truncateEscaped('a\\=b', 2)).toBe('a');
    expect(truncateEscaped('a\\=b', 3)).toBe('a\\=');
    expect(truncateEscaped('\\\\\\\\', 3)).toBe('\\\\');
  });
  it('counts each UTF-8 width from its first code point: U+0080 is 2 bytes, U+0800 3, U+E000 3, a surrogate pair 4', () => {
    expect(truncateEscaped('\x80\x80', 3)).toBe('\x80');
    expect(truncateEscaped('\u0800\u0800', 5)).toBe('\u0800');
    expect(truncateEscaped('\ue000\ue000', 3)).toBe('\ue000');
    // A pair is never split, from the first high surrogate (U+D800) to the last (U+DBFF).
    expect(truncateEscaped('\u{10000}', 3)).toBe('');
    expect(truncateEscaped('\u{10FFFF}', 3)).toBe('');
    expect(truncateEscaped('a\u{10000}b', 5)).toBe('a\u{10000}');
  });
  it('nothing fits in 0 or fewer bytes', () => {
    expect(truncateEscaped('abcdef', 0)).toBe('');
    expect(truncateEscaped('abcdef', -1)).toBe('');
  });
  it('utf8Bytes counts bytes, not code units', () => {
    expect(utf8Bytes('aé€😀')).toBe(1 + 2 + 3 + 4);
  });
});

describe('whole-message cap (water-filling)', () => {
  const ev = (values: string[], sig = 's', name = 'n'): Trimmable => ({ signatureId: sig, name, values, trimmable: values.map(() => true) });

  it('cuts only the largest field when that alone is enough', () => {
    const e = ev(['a'.repeat(10), 'b'.repeat(100), 'c'.repeat(20)]);
    fitToCap(e, 30);
    expect(e.values).toEqual(['a'.repeat(10), 'b'.repeat(70), 'c'.repeat(20)]);
  });
  it('levels the largest fields to the same size when one is not enough', () => {
    const e = ev(['a'.repeat(10), 'b'.repeat(100), 'c'.repeat(90)]);
    fitToCap(e, 100);
    // 202 bytes with the header, 102 left: the two large fields level down to 45 each.
    expect(e.values).toEqual(['a'.repeat(10), 'b'.repeat(45), 'c'.repeat(45)]);
    expect(e.signatureId).toBe('s');
    expect(e.name).toBe('n');
  });
  it('trims the header fields too, and leaves untrimmable values alone', () => {
    const e: Trimmable = { signatureId: 'S'.repeat(50), name: 'N'.repeat(50), values: ['v'.repeat(50), 'x'.repeat(500)], trimmable: [true, false] };
    fitToCap(e, 60);
    expect([e.signatureId, e.name, e.values[0]]).toEqual(['S'.repeat(30), 'N'.repeat(30), 'v'.repeat(30)]);
    expect(e.values[1]).toBe('x'.repeat(500));
  });
  it('an excess larger than everything empties every trimmable field', () => {
    const e = ev(['abc', 'defg']);
    fitToCap(e, 1_000);
    expect([e.signatureId, e.name, ...e.values]).toEqual(['', '', '', '']);
  });
  it('no excess changes nothing', () => {
    const e = ev(['abc', 'defg']);
    fitToCap(e, 0);
    expect(e.values).toEqual(['abc', 'defg']);
  });
  it('through the formatter: the line fits the cap exactly when fields are large', () => {
    const line = usual.alert({ ...small, URL: big(4000), audits: [big(4000)], entities: [{ type: 'policyRule', id: big(1000), label: 'n' }] });
    expect(Buffer.byteLength(line)).toBeLessThanOrEqual(8192);
    expect(Buffer.byteLength(line)).toBeGreaterThan(8192 - 3);
    const p = parseLine(line);
    // Water-filling: the two 4000-byte fields are cut to the same level; the 1000-byte one is below it.
    expect(p.extension.cs1!.length).toBe(p.extension.cs3!.length);
    expect(p.extension.cs1!.length).toBeLessThan(4000);
    expect(p.extension.cs4).toBe(big(1000));
  });
});

describe('escaping', () => {
  it('extension values: \\ = LF CR escaped, other controls replaced, the rest untouched', () => {
    expect(escapeExtensionValue('a\\b=c\nd\re\tf|g')).toBe('a\\\\b\\=c\\nd\\re\uFFFDf|g');
    expect(escapeExtensionValue('plain text | pipes')).toBe('plain text | pipes');
    expect(escapeExtensionValue('\x7f\x9f\x80 \xa0')).toBe('\uFFFD\uFFFD\uFFFD \xa0');
    expect(escapeExtensionValue('\ud800x')).toBe('\uFFFDx');
  });
  it('header fields: \\ | escaped, CR LF become a space, other controls replaced, = untouched', () => {
    expect(escapeHeaderField('a\\b|c\nd\re\tf=g')).toBe('a\\\\b\\|c d e\uFFFDf=g');
    expect(escapeHeaderField('plain = text')).toBe('plain = text');
    expect(escapeHeaderField('\x00\x1f\x7f\x9f\xa0')).toBe('\uFFFD\uFFFD\uFFFD\uFFFD\xa0');
    expect(escapeHeaderField('x\udc00')).toBe('x\uFFFD');
  });
  it('preCut never splits a surrogate pair and keeps short strings whole', () => {
    expect(preCut('abc', 3)).toBe('abc');
    expect(preCut('abcd', 3)).toBe('abc');
    expect(preCut('ab😀', 3)).toBe('ab');
    expect(preCut('a😀b', 3)).toBe('a😀');
    expect(preCut('a\ud800\udc00', 2)).toBe('a');
    expect(preCut('a\udbff\udfff', 2)).toBe('a');
    // Within the limit it is kept whole, a trailing lone surrogate included (escaping replaces that).
    expect(preCut('ab\ud83d', 3)).toBe('ab\ud83d');
  });
  it('keys keep only [A-Za-z0-9]', () => {
    expect(sanitizeKey('cs1Label')).toBe('cs1Label');
    expect(sanitizeKey('a b=c|1_é')).toBe('abc1');
    expect(sanitizeKey('===')).toBe('');
    expect(sanitizeKey('a-b')).toBe('ab');
    expect(sanitizeKey('-ab')).toBe('ab');
  });
});
