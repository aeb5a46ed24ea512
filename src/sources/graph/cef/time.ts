// Graph DateTimeOffset values ("2021-04-27T12:19:27.7211305Z": up to 7 fractional digits) as epoch ms.
//
// Parsed by a strict pattern rather than Date.parse: Date.parse also accepts forms Graph never
// writes (RFC 2822 dates, local times without a zone) and would turn them into a plausible time.

const ISO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:Z|([+-])(\d{2}):(\d{2}))$/;

/** Epoch ms of a Graph timestamp (sub-millisecond digits dropped), or NaN when `v` is not one. */
export function graphMs(v: unknown): number {
  if (typeof v !== 'string' || v.length > 40) return NaN;
  const m = ISO.exec(v);
  if (!m) return NaN;
  const [, y, mo, d, h, mi, s = '0', frac = '', sign, oh = '0', om = '0'] = m;
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59 || Number(oh) > 23 || Number(om) > 59) return NaN;
  const date = new Date(0);
  date.setUTCFullYear(Number(y), month - 1, day);
  if (date.getUTCDate() !== day) return NaN; // 2021-02-30
  date.setUTCHours(hour, minute, second, Number(frac.padEnd(3, '0').slice(0, 3)));
  const offset = sign === undefined ? 0 : (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om)) * 60_000;
  return date.getTime() - offset;
}
