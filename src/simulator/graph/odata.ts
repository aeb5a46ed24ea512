// The `$filter` subset alerts_v2 documents (security-list-alerts_v2.md, "Optional query parameters"):
// comparisons on assignedTo, classification, determination, createdDateTime, lastUpdateDateTime,
// severity, serviceSource and status, joined by `and` / `or` and parentheses. Date literals are
// unquoted ISO-8601 (OData DateTimeOffset); string literals are single-quoted with '' as the escape.
// Enumeration values are checked against the v1.0 schema, as the service does: a typo is a 400, never
// an empty result. `in (...)` is not documented for this API, so it is refused unless `allowIn`.
import { canonicalTime } from './times.js';

export class ODataError extends Error {}

type Alert = Record<string, unknown>;
export type Predicate = (alert: Alert) => boolean;

const DATE_PROPS = new Set(['createdDateTime', 'lastUpdateDateTime']);

/** Enumerations of microsoft.graph.security.alert (v1.0, security-alert.md). */
export const ENUMS: Record<string, readonly string[]> = {
  severity: ['unknown', 'informational', 'low', 'medium', 'high', 'unknownFutureValue'],
  status: ['unknown', 'new', 'inProgress', 'resolved', 'unknownFutureValue'],
  classification: ['unknown', 'falsePositive', 'truePositive', 'informationalExpectedActivity', 'unknownFutureValue'],
  determination: [
    'unknown', 'apt', 'malware', 'securityPersonnel', 'securityTesting', 'unwantedSoftware', 'other', 'multiStagedAttack',
    'compromisedAccount', 'phishing', 'maliciousUserActivity', 'notMalicious', 'notEnoughDataToValidate',
    'confirmedUserActivity', 'lineOfBusinessApplication', 'unknownFutureValue',
  ],
  serviceSource: [
    'unknown', 'microsoftDefenderForEndpoint', 'microsoftDefenderForIdentity', 'microsoftDefenderForCloudApps',
    'microsoftDefenderForOffice365', 'microsoft365Defender', 'azureAdIdentityProtection', 'microsoftAppGovernance',
    'dataLossPrevention', 'unknownFutureValue', 'microsoftDefenderForCloud', 'microsoftSentinel',
    'microsoftInsiderRiskManagement',
  ],
};
const STRING_PROPS = new Set([...Object.keys(ENUMS), 'assignedTo']);
const COMPARE = new Set(['eq', 'ne', 'gt', 'ge', 'lt', 'le']);

type Token = { kind: 'word' | 'string' | '(' | ')' | ','; text: string };

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '(' || c === ')' || c === ',') {
      out.push({ kind: c, text: c });
      i++;
    } else if (c === "'") {
      let s = '';
      i++;
      for (;;) {
        if (i >= text.length) throw new ODataError('Invalid filter clause: unterminated string literal.');
        if (text[i] === "'") {
          if (text[i + 1] === "'") {
            s += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        s += text[i++];
      }
      out.push({ kind: 'string', text: s });
    } else {
      const m = /^[^\s(),']+/.exec(text.slice(i))!;
      out.push({ kind: 'word', text: m[0] });
      i += m[0].length;
    }
  }
  return out;
}

function compare(op: string, a: string, b: string): boolean {
  switch (op) {
    case 'eq':
      return a === b;
    case 'ne':
      return a !== b;
    case 'gt':
      return a > b;
    case 'ge':
      return a >= b;
    case 'lt':
      return a < b;
    default:
      return a <= b;
  }
}

/** Compiles a `$filter` expression; throws ODataError (HTTP 400) on anything outside the subset. */
export function compileFilter(text: string, o: { allowIn?: boolean } = {}): Predicate {
  const tokens = tokenize(text);
  let pos = 0;
  const peek = () => tokens[pos];
  const word = (w: string) => peek()?.kind === 'word' && peek()!.text.toLowerCase() === w;

  const expr = (): Predicate => {
    const parts = [conj()];
    while (word('or')) {
      pos++;
      parts.push(conj());
    }
    return parts.length === 1 ? parts[0]! : (a) => parts.some((p) => p(a));
  };
  const conj = (): Predicate => {
    const parts = [term()];
    while (word('and')) {
      pos++;
      parts.push(term());
    }
    return parts.length === 1 ? parts[0]! : (a) => parts.every((p) => p(a));
  };
  const term = (): Predicate => {
    const t = peek();
    if (!t) throw new ODataError('Invalid filter clause: expression expected at the end.');
    if (t.kind === '(') {
      pos++;
      const inner = expr();
      if (peek()?.kind !== ')') throw new ODataError("Invalid filter clause: ')' expected.");
      pos++;
      return inner;
    }
    if (t.kind !== 'word') throw new ODataError(`Invalid filter clause: property name expected at '${t.text}'.`);
    const prop = t.text;
    if (!DATE_PROPS.has(prop) && !STRING_PROPS.has(prop)) {
      throw new ODataError(`Could not find a property named '${prop}' on type 'microsoft.graph.security.alert'.`);
    }
    pos++;
    const opTok = peek();
    const op = opTok?.kind === 'word' ? opTok.text : '';
    pos++;
    if (op === 'in') return inList(prop);
    if (!COMPARE.has(op)) throw new ODataError(`Invalid filter clause: unsupported operator '${opTok?.text ?? ''}' after '${prop}'.`);
    const lit = peek();
    pos++;
    if (!lit || (lit.kind !== 'word' && lit.kind !== 'string')) throw new ODataError(`Invalid filter clause: a value is expected after '${prop} ${op}'.`);
    if (DATE_PROPS.has(prop)) {
      const when = lit.kind === 'word' ? canonicalTime(lit.text) : undefined;
      if (!when) {
        throw new ODataError(
          lit.kind === 'string'
            ? `A binary operator with incompatible types was detected. Found operand types 'Edm.DateTimeOffset' and 'Edm.String' for operator kind '${op}'.`
            : `Invalid filter clause: '${lit.text}' is not a valid DateTimeOffset literal.`,
        );
      }
      return (a) => {
        const v = typeof a[prop] === 'string' ? canonicalTime(a[prop]) : undefined;
        return v !== undefined && compare(op, v, when);
      };
    }
    if (lit.kind === 'word' && lit.text === 'null') {
      if (op !== 'eq' && op !== 'ne') throw new ODataError(`Invalid filter clause: '${op}' with null.`);
      return (a) => (op === 'eq') === (a[prop] === null || a[prop] === undefined);
    }
    if (lit.kind !== 'string') throw new ODataError(`Invalid filter clause: '${lit.text}' must be a quoted string for '${prop}'.`);
    const value = checkEnum(prop, lit.text);
    if (op !== 'eq' && op !== 'ne') throw new ODataError(`Invalid filter clause: operator '${op}' is not supported for '${prop}'.`);
    return op === 'eq' ? (a) => a[prop] === value : (a) => a[prop] !== value; // OData: null ne 'x' is true
  };
  const inList = (prop: string): Predicate => {
    if (!o.allowIn) throw new ODataError(`Invalid filter clause: the operator 'in' is not supported for '${prop}'.`);
    if (DATE_PROPS.has(prop)) throw new ODataError(`Invalid filter clause: 'in' is not supported for '${prop}'.`);
    if (peek()?.kind !== '(') throw new ODataError("Invalid filter clause: '(' expected after 'in'.");
    pos++;
    const values = new Set<string>();
    for (;;) {
      const lit = peek();
      if (lit?.kind !== 'string') throw new ODataError(`Invalid filter clause: a quoted value expected in the '${prop} in' list.`);
      values.add(checkEnum(prop, lit.text));
      pos++;
      if (peek()?.kind === ',') {
        pos++;
        continue;
      }
      if (peek()?.kind === ')') {
        pos++;
        break;
      }
      throw new ODataError("Invalid filter clause: ',' or ')' expected in an 'in' list.");
    }
    return (a) => typeof a[prop] === 'string' && values.has(a[prop]);
  };

  if (tokens.length === 0) throw new ODataError('Invalid filter clause: the expression is empty.');
  const predicate = expr();
  if (pos < tokens.length) throw new ODataError(`Invalid filter clause: syntax error at '${tokens[pos]!.text}'.`);
  return predicate;
}

function checkEnum(prop: string, value: string): string {
  const members = ENUMS[prop];
  if (members && !members.includes(value)) {
    throw new ODataError(`The string '${value}' is not a valid enumeration type constant for '${prop}'.`);
  }
  return value;
}
