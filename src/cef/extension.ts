// One CEF event being built: escaped, per-field-limited header fields and extension pairs, then the line.
import { escapeExtensionValue, escapeHeaderField, preCut } from './escape.js';
import { HEADER_LIMITS } from './limits/fields.js';
import { fitToCap } from './limits/message-cap.js';
import { truncateEscaped } from './limits/truncate.js';

/** Free text from a record: made safe, escaped, then cut to `limit` bytes (the dictionary limit of its key). */
export function extensionText(raw: string, limit: number): string {
  return truncateEscaped(escapeExtensionValue(preCut(raw, limit)), limit);
}

/** A header field from a record (signature id, name): made safe, escaped, cut to its limit. */
export function headerText(raw: string, limit: number): string {
  return truncateEscaped(escapeHeaderField(preCut(raw, limit)), limit);
}

/** Text of an unknown value: strings as they are, finite numbers in decimal, anything else empty. */
export function asText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  return '';
}

/**
 * An event under construction. `keys` hold `key=`; `values` the escaped, limited values;
 * `trimmable` marks record-derived text the whole-message cap may shorten (labels and numbers are
 * never trimmed, so a trimmed line still parses to the same keys).
 */
export class CefEvent {
  readonly keys: string[] = [];
  readonly values: string[] = [];
  readonly trimmable: boolean[] = [];
  signatureId = '';
  name = '';
  severity = 0;

  setHeader(signatureId: string, name: string, severity: number): void {
    this.signatureId = headerText(signatureId, HEADER_LIMITS.signatureId);
    this.name = headerText(name, HEADER_LIMITS.name);
    this.severity = severity;
  }

  /**
   * Record-derived text under `keyEq` (`"msg="`: the key with its `=`, a constant at call sites so
   * the hot path allocates nothing for it); `undefined`/`null` become an empty value, still emitted (`cn1=`).
   */
  text(keyEq: string, raw: unknown, limit: number): void {
    this.keys.push(keyEq);
    this.values.push(typeof raw === 'string' && raw.length <= 64 && limit >= 192 ? escapeExtensionValue(raw) : extensionText(raw === undefined ? '' : asText(raw), limit));
    this.trimmable.push(true);
  }

  /** A value that is already safe CEF (label constants, integers, validated IPs), under `keyEq` (`"cn1="`). */
  fixed(keyEq: string, value: string): void {
    this.keys.push(keyEq);
    this.values.push(value);
    this.trimmable.push(false);
  }

  /** `<prefix>CEF:0|vendor|product|version|sig|name|sev|k=v k=v`, capped at `maxBytes`. */
  render(prefix: string, cefHead: string, maxBytes: number): string {
    const line = this.join(prefix, cefHead);
    // Cheap bound first: a UTF-16 code unit never takes more than 3 UTF-8 bytes.
    if (line.length * 3 <= maxBytes || Buffer.byteLength(line, 'utf8') <= maxBytes) return line;
    fitToCap(this, Buffer.byteLength(line, 'utf8') - maxBytes);
    return this.join(prefix, cefHead);
  }

  private join(prefix: string, cefHead: string): string {
    let out = `${prefix}${cefHead}${this.signatureId}|${this.name}|${this.severity}|`;
    const n = this.keys.length;
    for (let i = 0; i < n; i++) out += (i === 0 ? '' : ' ') + this.keys[i]! + this.values[i]!;
    return out;
  }
}
