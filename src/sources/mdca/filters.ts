// Start-up validation of server-side filters against the documented names and operators
// (mdca-api.md: api-alerts-list.md and api-activities-list.md filter tables), plus friendly
// presets: severity and status names instead of numbers, "openOnly", a bare value meaning "eq".
import type { DataType } from './types.js';

type Kind = 'int' | 'bool' | 'string' | 'ms' | 'any' | 'intOrString';
interface FieldSpec {
  ops: readonly string[];
  kind: Kind;
  /** Names accepted for enumerated values (case-insensitive), mapped to the documented numbers. */
  names?: Record<string, number>;
}

const EQ = ['eq', 'neq'] as const;
const SEVERITY = { low: 0, medium: 1, high: 2, informational: 3 };
const RESOLUTION = { open: 0, dismissed: 1, resolved: 2, false_positive: 3, falsepositive: 3, benign: 4, true_positive: 5, truepositive: 5 };
const IP_CATEGORY = { corporate: 1, administrative: 2, risky: 3, vpn: 4, cloud_provider: 5, cloudprovider: 5, other: 6 };

export const FILTER_SPECS: Record<DataType, Record<string, FieldSpec>> = {
  alerts: {
    resolutionDate: { ops: ['lte', 'gte', 'range'], kind: 'ms' },
    severity: { ops: EQ, kind: 'int', names: SEVERITY },
    resolutionStatus: { ops: EQ, kind: 'int', names: RESOLUTION },
    alertOpen: { ops: ['eq'], kind: 'bool' },
    read: { ops: ['eq'], kind: 'bool' },
    'entity.service': { ops: EQ, kind: 'int' },
    'entity.instance': { ops: EQ, kind: 'int' },
    'entity.entity': { ops: EQ, kind: 'any' },
    'entity.ip': { ops: EQ, kind: 'any' },
    'entity.policy': { ops: EQ, kind: 'any' },
    'entity.file': { ops: EQ, kind: 'any' },
    risk: { ops: EQ, kind: 'int' },
    // Documented as ints; the alert objects carry type names, so both are let through.
    alertType: { ops: EQ, kind: 'intOrString' },
    id: { ops: EQ, kind: 'string' },
    source: { ops: ['eq'], kind: 'any' },
  },
  activities: {
    created: { ops: ['lte', 'gte', 'range', 'gt', 'lt', 'eq'], kind: 'ms' },
    service: { ops: EQ, kind: 'int' },
    instance: { ops: EQ, kind: 'int' },
    'activity.id': { ops: EQ, kind: 'string' },
    actionType: { ops: EQ, kind: 'string' },
    'activity.type': { ops: EQ, kind: 'string' },
    'ip.address': { ops: EQ, kind: 'string' },
    'ip.category': { ops: EQ, kind: 'int', names: IP_CATEGORY },
    'user.username': { ops: EQ, kind: 'string' },
    source: { ops: ['eq'], kind: 'any' },
    policy: { ops: EQ, kind: 'any' },
    text: { ops: ['eq'], kind: 'string' },
  },
};

/** Preset shorthands, expanded before validation. */
const PRESETS: Record<DataType, Record<string, (v: unknown) => [string, Record<string, unknown>] | undefined>> = {
  alerts: {
    openOnly: (v) => (v === true ? ['alertOpen', { eq: true }] : undefined),
    services: (v) => ['entity.service', { eq: v }],
    policies: (v) => ['entity.policy', { eq: v }],
    alertTypes: (v) => ['alertType', { eq: v }],
  },
  activities: {
    services: (v) => ['service', { eq: v }],
    activityTypes: (v) => ['activity.type', { eq: v }],
    users: (v) => ['user.username', { eq: v }],
    ipCategories: (v) => ['ip.category', { eq: v }],
  },
};

export interface FilterValidation {
  filters: Record<string, Record<string, unknown>>;
  errors: string[];
}

const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

function scalar(field: string, spec: FieldSpec, v: unknown, errors: string[]): unknown {
  if (spec.names && typeof v === 'string') {
    const n = spec.names[v.trim().toLowerCase().replace(/[\s-]+/g, '_')];
    if (n !== undefined) return n;
    errors.push(`${field}: unknown name "${v}" (known: ${Object.keys(spec.names).join(', ')})`);
    return v;
  }
  const ok =
    spec.kind === 'any' ? v !== null && v !== undefined
    : spec.kind === 'int' ? Number.isInteger(v)
    : spec.kind === 'bool' ? typeof v === 'boolean'
    : spec.kind === 'string' ? typeof v === 'string' && v !== ''
    : spec.kind === 'ms' ? Number.isInteger(v) && (v as number) >= 0
    : Number.isInteger(v) || (typeof v === 'string' && v !== '');
  if (!ok) {
    const want = { int: 'an integer', bool: 'true or false', string: 'a non-empty string', ms: 'epoch milliseconds', any: 'a value', intOrString: 'an integer or a name' }[spec.kind];
    errors.push(`${field}: ${JSON.stringify(v)} is not ${want}${spec.names ? ` or one of ${Object.keys(spec.names).join(', ')}` : ''}`);
  }
  return v;
}

function operand(field: string, spec: FieldSpec, op: string, v: unknown, errors: string[]): unknown {
  const where = `${field}.${op}`;
  if (op === 'range') {
    const list = Array.isArray(v) ? v : [v];
    for (const r of list) {
      if (!isObj(r) || !Number.isInteger(r.start) || !Number.isInteger(r.end)) errors.push(`${where}: needs {"start": ms, "end": ms}`);
      else if ((r.start as number) > (r.end as number)) errors.push(`${where}: start is after end`);
    }
    return v;
  }
  if (op === 'eq' || op === 'neq') {
    if (Array.isArray(v)) {
      if (v.length === 0) errors.push(`${where}: empty list`);
      if (spec.kind === 'bool') errors.push(`${where}: takes a single true or false`);
      return v.map((x) => scalar(where, spec, x, errors));
    }
    return scalar(where, spec, v, errors);
  }
  return scalar(where, { ...spec, kind: 'ms', names: undefined }, v, errors);
}

/** Validates `{field: {op: value}}` (or presets) for a data type; `errors` name the filter and the problem. */
export function validateFilters(dataType: DataType, raw: unknown): FilterValidation {
  const errors: string[] = [];
  const filters: Record<string, Record<string, unknown>> = {};
  if (raw === undefined || raw === null || raw === '') return { filters, errors };
  let input = raw;
  if (typeof raw === 'string') {
    try {
      input = JSON.parse(raw);
    } catch {
      return { filters, errors: ['filters are not valid JSON'] };
    }
  }
  if (!isObj(input)) return { filters, errors: ['filters must be a JSON object of {"name": {"operator": value}}'] };
  const specs = FILTER_SPECS[dataType];
  for (const [name0, value0] of Object.entries(input)) {
    let name = name0;
    let value = value0;
    const preset = PRESETS[dataType][name0];
    if (preset) {
      const expanded = preset(value0);
      if (!expanded) {
        errors.push(`${name0}: preset takes ${name0 === 'openOnly' ? 'true' : 'a value or a list'}`);
        continue;
      }
      [name, value] = expanded;
    }
    if (name === 'date') {
      errors.push('date: set by the relay from its checkpoint (use RELAY_INITIAL_LOOKBACK for how far back to start)');
      continue;
    }
    const spec = specs[name];
    if (!spec) {
      const other = dataType === 'alerts' ? 'activities' : 'alerts';
      const hint = FILTER_SPECS[other][name] ? ` (it is an ${other} filter)` : '';
      errors.push(`${name}: not a documented ${dataType} filter${hint}; known: ${Object.keys(specs).join(', ')}`);
      continue;
    }
    // A bare value means "eq" (e.g. {"severity": "high"}).
    const ops: Record<string, unknown> = isObj(value) && !(spec.kind === 'any' && !Object.keys(value).every((k) => spec.ops.includes(k))) ? value : { eq: value };
    if (Object.keys(ops).length === 0) errors.push(`${name}: no operator given (allowed: ${spec.ops.join(', ')})`);
    const out: Record<string, unknown> = { ...(filters[name] ?? {}) };
    for (const [op, v] of Object.entries(ops)) {
      if (!spec.ops.includes(op)) {
        errors.push(`${name}: operator "${op}" is not allowed (allowed: ${spec.ops.join(', ')})`);
        continue;
      }
      out[op] = operand(name, spec, op, v, errors);
    }
    filters[name] = out;
  }
  return { filters, errors };
}
