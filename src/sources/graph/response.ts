// Checks a Graph alerts_v2 answer before anything trusts it: `{value: [...], @odata.nextLink?,
// @odata.count?}` with every alert carrying a string `id` and parseable `createdDateTime` and
// `lastUpdateDateTime` (security-list-alerts_v2.md). A nextLink must stay on the endpoint's origin:
// the client sends the bearer token to it, so a link to another host is a bad answer, never followed.
import { RelayError } from '../../errors.js';
import type { GraphAlert } from './types.js';

export interface GraphPage {
  alerts: GraphAlert[];
  nextLink?: string;
  /** `@odata.count` when `$count=true` was asked: records matching the query, all pages together. */
  count?: number;
}

export const ENDPOINT = 'GET /v1.0/security/alerts_v2';

export function badGraphResponse(problem: string, cause?: unknown): RelayError {
  return new RelayError('API_BAD_RESPONSE', 'fetch', `${ENDPOINT}: ${problem}`, { cause });
}

/** Epoch ms of a Graph timestamp (ISO-8601, up to 7 fractional digits; sub-millisecond digits dropped), or NaN. */
export function graphMs(text: unknown): number {
  if (typeof text !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|[+-]\d{2}:\d{2})$/.test(text)) return NaN;
  return Date.parse(text);
}

/** The page, or a one-line description of what is wrong with it (the client retries, then fails). */
export function parseGraphPage(text: string, expect: { origin: string; top: number }): GraphPage | string {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return `answer is not valid JSON (${text.length === 0 ? 'empty body' : `${text.length} bytes, starting ${JSON.stringify(text.slice(0, 40))}`})`;
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) return 'answer is not a JSON object';
  const o = body as Record<string, unknown>;
  if (!Array.isArray(o.value)) return `answer has no "value" array (keys: ${Object.keys(o).slice(0, 8).join(', ') || 'none'})`;
  if (o.value.length > expect.top) return `${o.value.length} alerts on a page asked for at most ${expect.top} ($top)`;
  for (let i = 0; i < o.value.length; i++) {
    const a = o.value[i] as Record<string, unknown> | null;
    if (!a || typeof a !== 'object' || Array.isArray(a)) return `value[${i}] is not an object`;
    if (typeof a.id !== 'string' || a.id === '') return `value[${i}] has no string "id"`;
    for (const field of ['createdDateTime', 'lastUpdateDateTime'] as const) {
      if (Number.isNaN(graphMs(a[field]))) return `value[${i}] (${a.id.slice(0, 80)}) has no ISO-8601 "${field}" (got ${JSON.stringify(a[field])?.slice(0, 40)})`;
    }
  }
  const next = o['@odata.nextLink'];
  let nextLink: string | undefined;
  if (next !== undefined && next !== null) {
    if (typeof next !== 'string') return '"@odata.nextLink" is not a string';
    let url: URL;
    try {
      url = new URL(next);
    } catch {
      return '"@odata.nextLink" is not an absolute URL';
    }
    // Never the token to another origin (host, port or scheme): the link could come from anywhere.
    if (url.origin !== expect.origin) return `"@odata.nextLink" points to another origin (${url.origin}, expected ${expect.origin}): not followed`;
    nextLink = url.href;
  }
  const count = o['@odata.count'];
  if (count !== undefined && (typeof count !== 'number' || !Number.isInteger(count) || count < 0)) return `"@odata.count" is not a non-negative integer: ${JSON.stringify(count)}`;
  return { alerts: o.value as GraphAlert[], ...(nextLink ? { nextLink } : {}), ...(count !== undefined ? { count } : {}) };
}

/** Graph's error envelope `{error: {code, message}}` as one safe line (the message is the service's, never ours). */
export function graphErrorText(text: string): { code?: string; message?: string } {
  try {
    const e = (JSON.parse(text) as { error?: { code?: unknown; message?: unknown } }).error;
    return {
      code: typeof e?.code === 'string' ? e.code.slice(0, 80) : undefined,
      message: typeof e?.message === 'string' ? e.message.replace(/\s+/g, ' ').slice(0, 300) : undefined,
    };
  } catch {
    return {};
  }
}
