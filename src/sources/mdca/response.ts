// Checks a list answer before anything trusts it: `{data: [...], hasNext, max?, total?}` with every
// record carrying a string `_id` and a numeric `timestamp` (api-alerts-list.md, api-activities-list.md).
import { RelayError } from '../../errors.js';
import type { MdcaPage, MdcaRecord } from './types.js';

export function badResponse(endpoint: string, problem: string, cause?: unknown): RelayError {
  return new RelayError('API_BAD_RESPONSE', 'fetch', `${endpoint}: ${problem}`, { cause });
}

export function parsePage(endpoint: string, text: string): MdcaPage<MdcaRecord> {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    const at = text.length > 0 ? ` (${text.length} bytes, starting ${JSON.stringify(text.slice(0, 40))})` : ' (empty body)';
    throw badResponse(endpoint, `answer is not valid JSON${at}`, err);
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw badResponse(endpoint, 'answer is not a JSON object');
  const o = body as Record<string, unknown>;
  if (!Array.isArray(o.data)) throw badResponse(endpoint, `answer has no "data" array (keys: ${Object.keys(o).slice(0, 8).join(', ') || 'none'})`);
  if (typeof o.hasNext !== 'boolean') throw badResponse(endpoint, 'answer has no boolean "hasNext"');
  if (o.max !== undefined && (typeof o.max !== 'number' || !Number.isInteger(o.max) || o.max < 1)) {
    throw badResponse(endpoint, `"max" is not a positive integer: ${JSON.stringify(o.max)}`);
  }
  o.data.forEach((r: unknown, i: number) => {
    if (!r || typeof r !== 'object') throw badResponse(endpoint, `data[${i}] is not an object`);
    const rec = r as Record<string, unknown>;
    if (typeof rec._id !== 'string' || rec._id === '') throw badResponse(endpoint, `data[${i}] has no string "_id"`);
    if (typeof rec.timestamp !== 'number' || !Number.isFinite(rec.timestamp)) {
      throw badResponse(endpoint, `data[${i}] (${rec._id}) has no numeric "timestamp"`);
    }
  });
  return {
    data: o.data as MdcaRecord[],
    hasNext: o.hasNext,
    max: o.max as number | undefined,
    total: typeof o.total === 'number' ? o.total : undefined,
    moreThanTotal: typeof o.moreThanTotal === 'boolean' ? o.moreThanTotal : undefined,
  };
}

/**
 * A page that contradicts its own request or itself, or undefined: empty data that claims more
 * (`hasNext`), more records than the limit asked for, or a `total` below what this query has read.
 */
export function contradiction(page: MdcaPage<MdcaRecord>, asked: { limit: number; skip: number }): string | undefined {
  if (page.data.length === 0 && page.hasNext) return 'an empty page says hasNext: true';
  if (page.data.length > asked.limit) return `${page.data.length} records on a page asked for at most ${asked.limit}`;
  if (page.total !== undefined && !page.moreThanTotal && page.total < asked.skip + page.data.length) {
    return `"total" ${page.total} is less than the ${asked.skip + page.data.length} records this query has read`;
  }
  return undefined; // duplicate ids are not a contradiction: the reader drops them by id
}
