// The small parsers behind each setting: typed value out, problems reported through `fail`.
import type { DataType } from '../sources/mdca/types.js';
import { formatDuration, parseDuration } from './duration.js';

// One parser per setting: it returns the typed value and reports problems through `fail`.
// (Hand-written rather than a schema library: a dozen small parsers, and nothing heavy to load on
// a Function's cold start.) Blank values never reach them: load.ts refuses those first.
export type Field<T> = (value: string | undefined, fail: (message: string) => void) => T;

export const text: Field<string | undefined> = (v) => v;
export const withDefault =
  (fallback: string): Field<string> =>
  (v) =>
    v ?? fallback;
export const required =
  (hint: string): Field<string> =>
  (v, fail) => {
    if (v === undefined) fail(`is required ${hint}`);
    return v ?? '';
  };

export interface DurationBounds {
  min: number;
  max: number;
  /** Why the bounds are what they are: shown with a refused value. */
  why: string;
  /** PT0S is accepted and means "off" (outside min..max). */
  zeroMeansOff?: boolean;
}

export const duration =
  (fallback: string, bounds: DurationBounds): Field<number> =>
  (v, fail) => {
    const ms = parseDuration(v ?? fallback);
    if (ms === undefined) {
      fail(`"${v}" is not an ISO-8601 duration such as PT15M or P2D`);
      return 0;
    }
    if (ms === 0 && bounds.zeroMeansOff) return 0;
    if (ms < bounds.min || ms > bounds.max) {
      const range = `${formatDuration(bounds.min)} to ${formatDuration(bounds.max)}${bounds.zeroMeansOff ? ', or PT0S for off' : ''}`;
      fail(`"${v}" must be from ${range}: ${bounds.why}`);
    }
    return ms;
  };

// Plain decimal digits only: Number() would also take "1e3" (1000), "0x1bb" (443) and " " (0).
const DIGITS = /^\d{1,15}$/;

export const integer =
  (fallback: number, min: number, max: number): Field<number> =>
  (v, fail) => {
    if (v === undefined) return fallback;
    const t = v.trim();
    const n = DIGITS.test(t) ? Number(t) : NaN;
    if (!(n >= min && n <= max)) fail(`"${v}" must be a whole number from ${min} to ${max} (decimal digits only)`);
    return n;
  };

export const optionalInteger =
  (min: number, max: number): Field<number | undefined> =>
  (v, fail) =>
    v === undefined ? undefined : integer(0, min, max)(v, fail);

export const oneOf =
  <T extends string>(values: readonly T[], fallback: T): Field<T> =>
  (v, fail) => {
    const lower = (v ?? fallback).trim().toLowerCase() as T;
    if (!values.includes(lower)) fail(`"${v}" is not one of ${values.join(', ')}`);
    return lower;
  };

/** JSON whose top level must be an object (`{...}`): arrays, strings and numbers are refused here. */
export const jsonObject =
  (shape: string): Field<Record<string, unknown> | undefined> =>
  (v, fail) => {
    if (v === undefined) return undefined;
    let data: unknown;
    try {
      data = JSON.parse(v);
    } catch {
      fail('is not valid JSON');
      return undefined;
    }
    if (data === null || typeof data !== 'object' || Array.isArray(data)) {
      fail(`must be a JSON object such as ${shape} (got ${Array.isArray(data) ? 'an array' : data === null ? 'null' : `a ${typeof data}`})`);
      return undefined;
    }
    return data as Record<string, unknown>;
  };

/** Hosts where plain http:// is accepted (a local simulator or token endpoint). */
export const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

/** The setting's value as a URL, or undefined after failing with "is not a URL". */
export function parseUrl(v: string, fail: (message: string) => void): URL | undefined {
  try {
    return new URL(v.trim());
  } catch {
    fail(`"${v}" is not a URL`);
    return undefined;
  }
}

export const portalUrl: Field<string> = (v, fail) => {
  if (v === undefined) {
    fail('is required (the portal URL, e.g. https://contoso.eu2.portal.cloudappsecurity.com)');
    return '';
  }
  const url = parseUrl(v, fail);
  if (!url) return '';
  if (url.protocol === 'http:' && !LOOPBACK.test(url.hostname)) fail('must use https:// (http:// is accepted only for loopback hosts)');
  else if (url.protocol !== 'https:' && url.protocol !== 'http:') fail('must be an https:// URL');
  if (url.username || url.password) fail('must not carry credentials');
  return `${url.protocol}//${url.host}`;
};

export const dataTypes: Field<DataType[]> = (v = 'alerts', fail) => {
  const items = [...new Set(v.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean))];
  if (items.length === 0 || items.some((s) => s !== 'alerts' && s !== 'activities')) fail(`"${v}" must list alerts and/or activities`);
  return items as DataType[];
};

// A decimal fraction ("0.8", ".5", "1"); Number() would also take "0x1" or "1e-1".
const DECIMAL = /^(?:\d+(?:\.\d*)?|\.\d+)$/;

export const share: Field<number> = (v = '0.8', fail) => {
  const t = v.trim();
  const n = DECIMAL.test(t) ? Number(t) : NaN;
  // Below a tenth of the function timeout a run has no time to fetch and deliver one page.
  if (!(n >= 0.1 && n <= 1)) fail(`"${v}" must be a decimal share from 0.1 to 1`);
  return n;
};

export const tableName: Field<string> = (v = 'relaycheckpoints', fail) => {
  if (!/^[A-Za-z][A-Za-z0-9]{2,62}$/.test(v)) fail('must be 3-63 letters and digits, starting with a letter');
  // Azure Table Storage reserves "tables" (case-insensitive).
  else if (v.toLowerCase() === 'tables') fail('"tables" is a reserved table name');
  return v;
};

// Keys a checkpoint file name (directory store) and a Table PartitionKey; both stores would replace
// other characters, so "a/b" and "a_b" would silently share one checkpoint, and ".." would leave RELAY_STATE_DIR.
const RELAY_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export const relayName: Field<string | undefined> = (v, fail) => {
  if (v === undefined) return undefined;
  const t = v.trim();
  if (!RELAY_NAME.test(t)) fail(`"${v}" must be 1-128 letters, digits, ".", "_" or "-", starting with a letter or digit (it keys checkpoint files and Table keys)`);
  return t;
};

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const guid: Field<string | undefined> = (v, fail) => {
  if (v === undefined) return undefined;
  if (!GUID.test(v.trim())) fail(`"${v}" is not a client id (a GUID such as 00000000-0000-0000-0000-000000000000)`);
  return v.trim();
};
