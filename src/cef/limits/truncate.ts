// Byte limits on escaped CEF text: count UTF-8 bytes, cut on a character boundary, never inside an escape.

/**
 * UTF-8 length of a well-formed string. Cheap bound first: a UTF-16 code unit never encodes to
 * more than 3 bytes (a surrogate pair, 2 units, is 4 bytes).
 */
export function utf8Bytes(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/**
 * The longest prefix of `escaped` whose UTF-8 encoding is at most `maxBytes`, cut between
 * characters and never between a `\` and the character it escapes (every escape this formatter
 * writes is a backslash followed by one ASCII character). `escaped` must be well-formed UTF-16
 * (escape.ts guarantees it).
 */
export function truncateEscaped(escaped: string, maxBytes: number): string {
  if (escaped.length * 3 <= maxBytes) return escaped;
  if (maxBytes <= 0) return '';
  if (utf8Bytes(escaped) <= maxBytes) return escaped;
  let bytes = 0;
  let i = 0;
  const n = escaped.length;
  while (i < n) {
    const c = escaped.charCodeAt(i);
    let width: number;
    let units: number;
    if (c === 0x5c) {
      width = 2; // `\x`: both bytes or neither
      units = 2;
    } else if (c < 0x80) {
      width = 1;
      units = 1;
    } else if (c < 0x800) {
      width = 2;
      units = 1;
    } else if (c >= 0xd800 && c <= 0xdbff) {
      width = 4;
      units = 2;
    } else {
      width = 3;
      units = 1;
    }
    if (bytes + width > maxBytes) break;
    bytes += width;
    i += units;
  }
  return escaped.slice(0, i);
}
