// The small parsers behind each setting: typed value out, problems reported through `fail`.
import type { DataType } from '../mdca/types.js';
import { parseDuration } from './duration.js';

// One parser per setting: it returns the typed value and reports problems through `fail`.
// (Hand-written rather than a schema library: a dozen small parsers, and nothing heavy to load on
// a Function's cold start.)
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

export const duration =
  (fallback: string): Field<number> =>
  (v, fail) => {
    const ms = parseDuration(v ?? fallback);
    if (ms === undefined) fail(`"${v}" is not an ISO-8601 duration such as PT15M or P2D`);
    return ms ?? 0;
  };

export const integer =
  (fallback: number, min: number, max: number): Field<number> =>
  (v, fail) => {
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) fail(`"${v}" must be a whole number from ${min} to ${max}`);
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

export const json =
  (fallback: string): Field<unknown> =>
  (v, fail) => {
    try {
      return JSON.parse(v || fallback) as unknown;
    } catch {
      fail('is not valid JSON');
      return undefined;
    }
  };

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

export const portalUrl: Field<string> = (v, fail) => {
  if (v === undefined) {
    fail('is required (the portal URL, e.g. https://contoso.eu2.portal.cloudappsecurity.com)');
    return '';
  }
  let url: URL;
  try {
    url = new URL(v.trim());
  } catch {
    fail(`"${v}" is not a URL`);
    return '';
  }
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

export const share: Field<number> = (v = '0.8', fail) => {
  const n = Number(v);
  if (!(n > 0 && n <= 1)) fail(`"${v}" must be a share between 0 and 1`);
  return n;
};

export const tableName: Field<string> = (v = 'relaycheckpoints', fail) => {
  if (!/^[A-Za-z][A-Za-z0-9]{2,62}$/.test(v)) fail('must be 3-63 letters and digits, starting with a letter');
  return v;
};

