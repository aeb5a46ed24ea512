// Graph timestamps: ISO-8601 UTC with 7 fractional digits ("2021-04-27T12:19:27.7211305Z"), as the
// service writes them. The canonical 7-digit form sorts lexicographically in time order, so the
// simulator compares strings instead of numbers (ms since 1970 in 100 ns ticks exceed 2^53).

const ISO = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?(Z|[+-]\d{2}:\d{2})$/;

/** A Graph timestamp from epoch ms plus 0-9999 extra 100 ns ticks. */
export function graphTime(ms: number, ticks = 0): string {
  const base = new Date(Math.floor(ms)).toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ
  return `${base.slice(0, 23)}${String(Math.max(0, Math.min(9999, Math.floor(ticks)))).padStart(4, '0')}Z`;
}

/** The canonical 7-digit UTC form of an ISO-8601 literal, or undefined when it is not one. */
export function canonicalTime(text: string): string | undefined {
  const m = ISO.exec(text);
  if (!m) return undefined;
  const [, minute, second = '00', fraction = '', zone] = m;
  const date = new Date(`${minute}:${second}${zone}`);
  if (Number.isNaN(date.getTime())) return undefined;
  return `${date.toISOString().slice(0, 19)}.${fraction.padEnd(7, '0')}Z`;
}

/** Epoch ms of a Graph timestamp (sub-millisecond ticks dropped). */
export function timeMs(text: string): number {
  return Date.parse(text);
}
