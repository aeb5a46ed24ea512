// fast-check generators: MDCA alerts whose text fields are realistic or hostile, plus the oracle's view of each.
import net from 'node:net';
import fc from 'fast-check';
import type { MdcaAlert, MdcaEntity } from '../../src/sources/mdca/types.js';

/** Single code units and short sequences attackers use: separators, escapes, controls, lone surrogates, bidi, emoji. */
const HOSTILE_PIECES = [
  '\\', '=', '|', ' ', '\n', '\r', '\r\n', '\t', '\0', '\x01', '\x1b', '\x7f', '\x85', '\x9f',
  '\ud800', '\udc00', '\udbff', '\ufffd', '\u202e', '\u200f', '\u2028', '\u2029', '\ufeff',
  '😀', '👨‍👩‍👧', 'é', '日本', ' msg=', ' suser=evil ', '\\n', '\\=', '\\\\', 'CEF:0|x|y|1|s|n|10|', '\nCEF:0|a|b|c|d|e|10|act=forged',
  ' cs1=', '=\\', 'k=', '==', '\\|',
];

const hostileUnit = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...HOSTILE_PIECES) },
  { weight: 3, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 4 }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xffff }).map((u) => String.fromCharCode(u)) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 2 }) },
);

/** A text field: empty, realistic, or hostile; occasionally long enough to hit the field limits. */
export const textField: fc.Arbitrary<string> = fc.oneof(
  { weight: 2, arbitrary: fc.string({ maxLength: 30 }) },
  { weight: 5, arbitrary: fc.string({ unit: hostileUnit, maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: hostileUnit, minLength: 300, maxLength: 1500 }) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('\\', '=', '😀', 'é', 'a', '\n'), fc.integer({ min: 200, max: 2100 })).map(([c, n]) => c.repeat(n)) },
);

export interface AlertCase {
  alert: MdcaAlert;
  /** The raw inputs each output field should come from. */
  raw: {
    signature: string;
    name: string;
    externalId: string;
    msg: string;
    suser: string;
    service: string;
    url: string;
    cs2: string;
    cs3: string;
    cs4: string;
    cn1: string;
    start: string;
    severityValue: number | undefined;
    src?: string;
    c6a1?: string;
  };
}

export const alertCase: fc.Arbitrary<AlertCase> = fc
  .record({
    id: fc.oneof(fc.stringMatching(/^[0-9a-f]{24}$/), textField),
    ts: fc.integer({ min: 0, max: 4102444800000 }),
    title: textField,
    description: textField,
    alertType: fc.option(textField.filter((s) => s !== ''), { nil: undefined }),
    policy: fc.option(fc.record({ id: textField, label: textField }), { nil: undefined }),
    services: fc.array(fc.record({ id: fc.oneof(fc.constantFrom(10489, 11114, 11161, 20893, 33626), fc.integer({ min: 1, max: 99999 })), label: textField }), { maxLength: 3 }),
    user: fc.option(textField, { nil: undefined }),
    url: textField,
    audits: fc.array(textField, { maxLength: 3 }),
    threatScore: fc.option(fc.integer({ min: 0, max: 100 }), { nil: null }),
    severityValue: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
    ip: fc.option(fc.oneof(fc.ipV4(), fc.ipV6(), textField), { nil: undefined }),
  })
  .map((g): AlertCase => {
    const entities: MdcaEntity[] = [];
    if (g.policy) entities.push({ type: 'policyRule', id: g.policy.id, label: g.policy.label, policyType: 'AUDIT' });
    for (const s of g.services) entities.push({ type: 'service', id: s.id, label: s.label });
    if (g.user !== undefined) entities.push({ type: 'user', id: g.user, label: g.user });
    if (g.ip !== undefined) entities.push({ type: 'ip', id: g.ip, label: g.ip });
    const alert: MdcaAlert = {
      _id: g.id,
      timestamp: g.ts,
      title: g.title,
      description: g.description,
      severityValue: g.severityValue,
      threatScore: g.threatScore,
      URL: g.url,
      audits: g.audits,
      entities,
      ...(g.alertType !== undefined ? { alertType: g.alertType } : {}),
    };
    const names: Record<number, string> = { 10489: 'BOX', 11114: 'SALESFORCE', 11161: 'O365', 20893: 'OUTLOOK', 14509: 'SERVICENOW', 25624: 'O365_PORTAL' };
    const tokens: string[] = [];
    for (const s of g.services) {
      const t = `APPID_${names[s.id] ?? s.id}`;
      if (!tokens.includes(t)) tokens.push(t);
    }
    const isV4 = g.ip !== undefined && net.isIPv4(g.ip);
    const isV6 = g.ip !== undefined && net.isIPv6(g.ip);
    return {
      alert,
      raw: {
        signature: g.alertType ?? (g.policy ? 'ALERT_CABINET_EVENT_MATCH_AUDIT' : 'ALERT'),
        name: g.policy ? g.policy.label : g.title,
        externalId: g.id,
        msg: g.description,
        suser: g.user ?? '',
        service: g.services[0]?.label ?? '',
        url: g.url,
        cs2: tokens.join(','),
        cs3: g.audits.join(','),
        cs4: g.policy ? g.policy.id : '',
        cn1: g.threatScore === null ? '' : String(g.threatScore),
        start: String(g.ts),
        severityValue: g.severityValue,
        ...(isV4 ? { src: g.ip } : {}),
        ...(isV6 ? { c6a1: g.ip } : {}),
      },
    };
  });
