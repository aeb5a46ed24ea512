// Test oracle: what a parser must read back for a raw input value, written independently of src/cef.
//
// Documented rules (docs/cef.md): lone surrogates → U+FFFD; C0 controls, DEL and C1 controls →
// U+FFFD, except that extension values keep LF/CR (escaped on the wire) and header fields turn
// CR/LF into a space; then the value is cut to the longest prefix whose ESCAPED UTF-8 size fits.
import assert from 'node:assert/strict';

const isControl = (cp: number): boolean => cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);

function codePoints(s: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        out.push(0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00));
        i++;
        continue;
      }
    }
    out.push(c >= 0xd800 && c <= 0xdfff ? 0xfffd : c);
  }
  return out;
}

function utf8Size(cp: number): number {
  return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

export interface Expected {
  /** The value a parser should return. */
  value: string;
  /** Escaped UTF-8 size of the untruncated cleaned value. */
  fullBytes: number;
  /** Escaped UTF-8 size of `value`. */
  bytes: number;
  truncated: boolean;
}

function expect(raw: string, limit: number, header: boolean): Expected {
  let value = '';
  let bytes = 0;
  let fullBytes = 0;
  let truncated = false;
  for (let cp of codePoints(raw)) {
    let size: number;
    if (header) {
      if (cp === 0x0a || cp === 0x0d) cp = 0x20;
      else if (isControl(cp)) cp = 0xfffd;
      size = cp === 0x5c || cp === 0x7c ? 2 : utf8Size(cp);
    } else {
      if (isControl(cp) && cp !== 0x0a && cp !== 0x0d) cp = 0xfffd;
      size = cp === 0x5c || cp === 0x3d || cp === 0x0a || cp === 0x0d ? 2 : utf8Size(cp);
    }
    fullBytes += size;
    if (!truncated && bytes + size <= limit) {
      bytes += size;
      value += String.fromCodePoint(cp);
    } else {
      truncated = true;
    }
  }
  return { value, fullBytes, bytes, truncated };
}

export const expectExtension = (raw: string, limit: number): Expected => expect(raw, limit, false);
export const expectHeader = (raw: string, limit: number): Expected => expect(raw, limit, true);

/** What the strict parser read back (test/support/cef-parser.ts), as far as the check needs it. */
export interface ParsedFields {
  signatureId: string;
  name: string;
  extension: Record<string, string>;
}

/** A header field by name, or an extension value. */
const fieldOf = (p: ParsedFields, k: string): string | undefined => (k === 'signatureId' ? p.signatureId : k === 'name' ? p.name : p.extension[k]);

/** Every formatted line: one line, within `cap` bytes, valid UTF-8. (node:assert: this runs tens of thousands of times.) */
export function assertWholeLine(line: string, cap: number): void {
  assert.ok(!/[\r\n]/.test(line), 'line break in the line');
  assert.ok(Buffer.byteLength(line, 'utf8') <= cap, 'line over the cap');
  assert.equal(Buffer.from(line, 'utf8').toString('utf8'), line, 'not valid UTF-8');
}

/**
 * Each expected text read back whole, or, where the whole-message cap shortened it, as a prefix;
 * and the cap trims largest first (every field it shortened was at least as large as every field
 * it left intact). Returns whether the cap shortened any.
 */
export function assertTexts(p: ParsedFields, texts: Iterable<[string, Expected]>): boolean {
  const capped: number[] = [];
  const intact: number[] = [];
  for (const [k, e] of texts) {
    const got = fieldOf(p, k);
    if (got === e.value) {
      intact.push(e.bytes);
      continue;
    }
    assert.ok(got !== undefined && e.value.startsWith(got), `${k}: ${JSON.stringify(got?.slice(0, 80))} is not a prefix of ${JSON.stringify(e.value.slice(0, 80))}`);
    capped.push(e.bytes);
  }
  if (capped.length === 0) return false;
  assert.ok(Math.min(...capped) >= Math.max(0, ...intact), 'the cap trimmed a smaller field before a larger one');
  return true;
}
