// CEF escaping (ArcSight CEF spec, "Character encoding"), fused with the replacement of text no receiver should see.
//
// Order matters: the input is first made well-formed (lone UTF-16 surrogates become U+FFFD, so the
// UTF-8 written to the socket is always valid), control characters are replaced, and only then are
// the spec's escapes applied. The escaped result is what the byte limits are counted on
// (limits/truncate.ts), so an escape is never split.

/** U+FFFD REPLACEMENT CHARACTER: what unusable code units and control characters become. */
export const REPLACEMENT = '\uFFFD';

// Anything that needs work in an extension value: `\` `=` (escaped), LF CR (escaped), other C0
// controls, DEL and C1 controls (replaced: NUL truncates strings in C receivers, DEL is silently
// dropped by liblognorm, NEL is a line break to some parsers), and surrogates (checked for pairing).
const EXT_NEEDS_WORK = /[\\=\x00-\x1f\x7f-\x9f\ud800-\udfff]/;
const EXT_REPLACE = /[\\=\n\r]|[\x00-\x1f\x7f-\x9f]/g;

// Header fields: `\` and `|` are escaped; CR and LF are forbidden outright by the spec ("no line
// breaks"), so they become a space; other controls become U+FFFD.
const HEADER_NEEDS_WORK = /[\\|\x00-\x1f\x7f-\x9f\ud800-\udfff]/;
const HEADER_REPLACE = /[\\|\n\r]|[\x00-\x1f\x7f-\x9f]/g;

// String.prototype.toWellFormed/isWellFormed (ES2024) exist on Node >= 20 but not in this
// project's ES2023 lib typings.
type WellFormed = { toWellFormed(): string; isWellFormed(): boolean };

/** `s` with every lone surrogate replaced by U+FFFD. */
export function toWellFormed(s: string): string {
  return (s as unknown as WellFormed).toWellFormed();
}

/** Whether `s` has no lone surrogate (so encodes to valid UTF-8). */
export function isWellFormed(s: string): boolean {
  return (s as unknown as WellFormed).isWellFormed();
}

function extReplacer(ch: string): string {
  switch (ch) {
    case '\\':
      return '\\\\';
    case '=':
      return '\\=';
    case '\n':
      return '\\n';
    case '\r':
      return '\\r';
    default:
      return REPLACEMENT;
  }
}

function headerReplacer(ch: string): string {
  switch (ch) {
    case '\\':
      return '\\\\';
    case '|':
      return '\\|';
    case '\n':
    case '\r':
      return ' ';
    default:
      return REPLACEMENT;
  }
}

/**
 * Cut `s` to at most `maxUnits` UTF-16 code units before escaping, without splitting a surrogate
 * pair. Safe for a byte limit of `maxUnits`: every unit yields at least one byte, so nothing that
 * would have fitted is dropped; it bounds the work on 1 MB hostile strings.
 */
export function preCut(s: string, maxUnits: number): string {
  if (s.length <= maxUnits) return s;
  let end = maxUnits;
  const c = s.charCodeAt(end - 1);
  if (c >= 0xd800 && c <= 0xdbff) end -= 1;
  return s.slice(0, end);
}

/** Replace lone surrogates and control characters, then escape `\` `=` LF CR for an extension value. */
export function escapeExtensionValue(s: string): string {
  if (!EXT_NEEDS_WORK.test(s)) return s;
  return toWellFormed(s).replace(EXT_REPLACE, extReplacer);
}

/** Replace lone surrogates and control characters (CR/LF → space), then escape `\` `|` for a header field. */
export function escapeHeaderField(s: string): string {
  if (!HEADER_NEEDS_WORK.test(s)) return s;
  return toWellFormed(s).replace(HEADER_REPLACE, headerReplacer);
}

/** Keys are `[A-Za-z0-9]+` (spec): anything else is removed; an empty result means "drop the pair". */
export function sanitizeKey(key: string): string {
  return /^[A-Za-z0-9]+$/.test(key) ? key : key.replace(/[^A-Za-z0-9]/g, '');
}
