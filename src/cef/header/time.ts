// Record timestamps for the line prefix: deterministic (the record's own time, never the clock).

/** Latest instant with a 4-digit year (RFC 3339 `date-fullyear` is 4 digits): 9999-12-31T23:59:59.999Z. */
const MAX_MS = 253402300799999;

/**
 * Epoch ms usable in a header: the record's `timestamp` when it is a finite number in
 * [0, 9999-12-31], else 0 (1970-01-01T00:00:00.000Z), so a malformed record still yields one valid line.
 */
export function headerTime(ts: unknown): number {
  return typeof ts === 'number' && ts >= 0 && ts <= MAX_MS ? Math.trunc(ts) : 0;
}

/** `start`/`end`/`rt` value: integer epoch ms as text, or empty when the record has no usable time. */
export function epochText(ts: unknown): string {
  return typeof ts === 'number' && ts >= 0 && ts <= MAX_MS ? String(Math.trunc(ts)) : '';
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function two(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** RFC 3164 TIMESTAMP `Mmm dd hh:mm:ss` (UTC; day space-padded; no year or zone by the RFC). */
export function rfc3164Time(ms: number): string {
  const d = new Date(ms);
  const day = d.getUTCDate();
  return `${MONTHS[d.getUTCMonth()]} ${day < 10 ? ` ${day}` : day} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
}
