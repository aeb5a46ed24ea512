// The strict test parser rejects every malformed event (so a test built on it can fail) and reads valid ones exactly.
import { describe, expect, it } from 'vitest';
import { parseCef, stripPrefix } from '../support/cef-parser.js';

describe('strict CEF parser', () => {
  it('reads header escapes and extension escapes', () => {
    const p = parseCef('CEF:0|V\\|x|P\\\\|1|S|N|7|a=x\\=y\\\\z\\nw\\r b=  two spaces  c=');
    expect([p.vendor, p.product, p.severity]).toEqual(['V|x', 'P\\', '7']);
    expect(p.extension).toEqual({ a: 'x=y\\z\nw\r', b: '  two spaces ', c: '' });
    expect(p.keys).toEqual(['a', 'b', 'c']);
  });

  it('accepts an empty extension after the 7th bar', () => {
    expect(parseCef('CEF:0|V|P|1|S|N|Low|').keys).toEqual([]);
  });

  it.each([
    ['missing the 7th bar', 'CEF:0|V|P|1|S|N|3'],
    ['no CEF: prefix', 'CEF0|V|P|1|S|N|3|'],
    ['bad severity', 'CEF:0|V|P|1|S|N|11|a=b'],
    ['space after the 7th bar', 'CEF:0|V|P|1|S|N|3| a=b'],
    ['unescaped = in a value', 'CEF:0|V|P|1|S|N|3|a=b=c'],
    ['unknown extension escape', 'CEF:0|V|P|1|S|N|3|a=b\\tc'],
    ['unknown header escape', 'CEF:0|V\\x|P|1|S|N|3|'],
    ['raw newline', 'CEF:0|V|P|1|S|N|3|a=b\nc=d'],
    ['NUL', 'CEF:0|V|P|1|S|N|3|a=b\0'],
    ['lone surrogate', 'CEF:0|V|P|1|S|N|3|a=\ud800'],
    ['non-alphanumeric key', 'CEF:0|V|P|1|S|N|3|a-b=c'],
    ['duplicate key', 'CEF:0|V|P|1|S|N|3|a=1 a=2'],
    ['trailing backslash', 'CEF:0|V|P|1|S|N|3|a=b\\'],
    ['text without key', 'CEF:0|V|P|1|S|N|3|hello'],
  ])('rejects %s', (_label, line) => {
    expect(() => parseCef(line)).toThrow();
  });

  it('strips arcsight, RFC 5424 and RFC 3164 prefixes and rejects others', () => {
    expect(stripPrefix('2017-07-15T20:42:30.531Z host CEF:0|a').hostname).toBe('host');
    expect(stripPrefix('2017-07-15T20:42:30.531Z CEF:0|a').hostname).toBeUndefined();
    expect(stripPrefix('<13>1 2017-07-15T20:42:30.531Z h app - - - CEF:0|a').format).toBe('5424');
    expect(stripPrefix('<13>Jul  5 20:42:30 h app: CEF:0|a').format).toBe('3164');
    expect(() => stripPrefix('garbage CEF:0|a')).toThrow();
    expect(() => stripPrefix('<999>1 2017-07-15T20:42:30.531Z h app - - - CEF:0|a')).toThrow();
  });
});
