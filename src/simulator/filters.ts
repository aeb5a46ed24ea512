// Server-side filter evaluation of the simulator, after the documented names and operators
// (mdca-api.md: api-alerts-list.md and api-activities-list.md filter tables).
import type { DataType } from '../sources/mdca/types.js';

type Rec = Record<string, unknown>;
/** A field accessor: every value of the record the filter can match (entities give several). */
type Accessor = (r: Rec) => unknown[];

const one = (f: (r: Rec) => unknown): Accessor => (r) => {
  const v = f(r);
  return v === undefined || v === null ? [] : [v];
};
const entities = (r: Rec): Rec[] => (Array.isArray(r.entities) ? (r.entities as Rec[]) : []);
const entityIds = (...types: string[]): Accessor => (r) =>
  entities(r).filter((e) => types.includes(String(e.type))).map((e) => e.id);
const path = (r: Rec, p: string): unknown =>
  p.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Rec)[k] : undefined), r);

const ALERT_FIELDS: Record<string, Accessor> = {
  date: one((r) => r.timestamp),
  resolutionDate: one((r) => r.resolveTime),
  severity: one((r) => r.severityValue),
  resolutionStatus: one((r) => r.resolutionStatusValue),
  alertOpen: one((r) => (r.resolutionStatusValue ?? 0) === 0),
  read: one((r) => (r.statusValue ?? 0) !== 0),
  'entity.service': entityIds('service'),
  'entity.instance': (r) => entities(r).filter((e) => e.type === 'service' || e.type === 'instance').map((e) => e.inst ?? e.id),
  'entity.entity': entityIds('account', 'user'),
  'entity.ip': entityIds('ip'),
  'entity.policy': (r) => [...entityIds('policyRule')(r), ...one((x) => path(x, 'policy.id'))(r)],
  'entity.file': entityIds('file'),
  risk: one((r) => r.threatScore),
  alertType: (r) => [...one((x) => x.alertType)(r), ...one((x) => x.alertTypeValue)(r)],
  id: one((r) => r._id),
  source: one((r) => r.source),
};

const ACTIVITY_FIELDS: Record<string, Accessor> = {
  date: one((r) => r.timestamp),
  created: one((r) => r.created),
  service: one((r) => r.appId),
  instance: one((r) => r.instance ?? r.appInstance),
  'activity.id': one((r) => r._id),
  id: one((r) => r._id),
  actionType: one((r) => r.eventTypeValue),
  'activity.type': (r) => [...one((x) => x.eventTypeName)(r), ...one((x) => x.eventType)(r)],
  'ip.address': (r) => [...one((x) => path(x, 'device.clientIP'))(r), ...((path(r, 'internals.otherIPs') as unknown[]) ?? [])],
  'ip.category': one((r) => r.ipCategory),
  'user.username': one((r) => path(r, 'user.userName')),
  source: one((r) => r.source),
  policy: (r) => ((r.policies as unknown[]) ?? []).map((p) => (p && typeof p === 'object' ? (p as Rec).id : p)),
  text: one((r) => r.description),
};

export const SIM_FIELDS: Record<DataType, Record<string, Accessor>> = { alerts: ALERT_FIELDS, activities: ACTIVITY_FIELDS };

const DAY_MS = 86_400_000;

export class FilterError extends Error {}

function asList(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [v];
}
const same = (a: unknown, b: unknown): boolean => a === b || String(a) === String(b);
const num = (v: unknown, what: string): number => {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new FilterError(`${what} needs a number`);
  return v;
};

/** Parses `range` as `{start, end}` or `[{start, end}, ...]` (both forms appear in public clients). */
function ranges(v: unknown, what: string): Array<[number, number]> {
  return asList(v).map((x) => {
    if (!x || typeof x !== 'object') throw new FilterError(`${what} range needs {start, end}`);
    const { start, end } = x as Rec;
    return [num(start, `${what} range start`), num(end, `${what} range end`)];
  });
}

/** A predicate for one `{field: {op: value}}` filter set; throws FilterError on unknown names/operators. */
export function compileFilters(dataType: DataType, filters: unknown, now: number): (r: Rec) => boolean {
  if (filters === undefined || filters === null) return () => true;
  if (typeof filters !== 'object' || Array.isArray(filters)) throw new FilterError('filters must be an object');
  const tests: Array<(r: Rec) => boolean> = [];
  for (const [field, ops] of Object.entries(filters as Rec)) {
    const acc = SIM_FIELDS[dataType][field];
    if (!acc) throw new FilterError(`unknown filter "${field}"`);
    if (!ops || typeof ops !== 'object') throw new FilterError(`filter "${field}" needs {operator: value}`);
    for (const [op, value] of Object.entries(ops as Rec)) tests.push(operator(field, op, value, acc, now));
  }
  return (r) => tests.every((t) => t(r));
}

function operator(field: string, op: string, value: unknown, acc: Accessor, now: number): (r: Rec) => boolean {
  const what = `filter "${field}"`;
  const anyNum = (r: Rec, p: (x: number) => boolean) => acc(r).some((x) => typeof x === 'number' && p(x));
  switch (op) {
    case 'eq':
      return (r) => acc(r).some((x) => asList(value).some((v) => same(x, v)));
    case 'neq':
      return (r) => !acc(r).some((x) => asList(value).some((v) => same(x, v)));
    case 'gte': { const n = num(value, what); return (r) => anyNum(r, (x) => x >= n); }
    case 'lte': { const n = num(value, what); return (r) => anyNum(r, (x) => x <= n); }
    case 'gt': { const n = num(value, what); return (r) => anyNum(r, (x) => x > n); }
    case 'lt': { const n = num(value, what); return (r) => anyNum(r, (x) => x < n); }
    case 'range': { const rs = ranges(value, what); return (r) => anyNum(r, (x) => rs.some(([a, b]) => x >= a && x <= b)); }
    case 'gte_ndays': { const n = now - num(value, what) * DAY_MS; return (r) => anyNum(r, (x) => x >= n); }
    case 'lte_ndays': { const n = now - num(value, what) * DAY_MS; return (r) => anyNum(r, (x) => x <= n); }
    default:
      throw new FilterError(`${what}: unknown operator "${op}"`);
  }
}
