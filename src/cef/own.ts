// The relay's own events (heartbeat, test event) → CEF, with the same escaping and limits as records.
import type { OwnEvent } from './types.js';
import { sanitizeKey } from './escape.js';
import { CefEvent, asText } from './extension.js';
import { extensionLimit } from './limits/fields.js';

/** Severity clamped to the CEF integer range 0..10. */
function cefSeverity(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? Math.min(10, Math.max(0, Math.round(v))) : 0;
}

/** Keys are reduced to `[A-Za-z0-9]` (a pair whose key is then empty is dropped); every value is free text. */
export function mapOwn(e: OwnEvent, ev: CefEvent): number {
  ev.setHeader(asText(e.signatureId), asText(e.name), cefSeverity(e.severity));
  for (const pair of Array.isArray(e.extension) ? e.extension : []) {
    const key = sanitizeKey(asText(pair[0]));
    if (key !== '') ev.text(`${key}=`, pair[1], extensionLimit(key));
  }
  return typeof e.timestamp === 'number' ? e.timestamp : NaN;
}
