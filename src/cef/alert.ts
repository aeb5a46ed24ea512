// MDCA alert → CEF event, field by field as the retired SIEM agent wrote it (siem.md samples; docs/cef.md).
import type { MdcaAlert, MdcaEntity } from '../mdca/types.js';
import { CefEvent, asText } from './extension.js';
import { epochText } from './header/time.js';
import { ipv4, ipv6 } from './ip.js';

export interface AlertMapping {
  appToken: (id: unknown) => string;
  severity: (severityValue: unknown) => number;
}

/** Alert type used as signature when the record lacks `alertType`: derived from the policy type. */
const SIGNATURE_BY_POLICY_TYPE: Readonly<Record<string, string>> = {
  AUDIT: 'ALERT_CABINET_EVENT_MATCH_AUDIT',
  FILE: 'ALERT_CABINET_EVENT_MATCH_FILE',
  INLINE: 'ALERT_CABINET_INLINE_EVENT_MATCH',
  OBJECT: 'ALERT_CABINET_EVENT_MATCH_OBJECT',
  NEW_SERVICE: 'ALERT_CABINET_DISCOVERY_NEW_SERVICE',
  ANOMALY_DETECTION: 'ALERT_SUSPICIOUS_ACTIVITY',
};

export const IPV6_LABEL = '"Device IPv6 Address"';

function entitiesOf(alert: MdcaAlert): MdcaEntity[] {
  return Array.isArray(alert.entities) ? alert.entities.filter((e): e is MdcaEntity => typeof e === 'object' && e !== null) : [];
}

function firstLabel(entities: MdcaEntity[], type: string): string | undefined {
  for (const e of entities) if (e.type === type && typeof e.label === 'string') return e.label;
  return undefined;
}

function signatureOf(alert: MdcaAlert, policyRule: MdcaEntity | undefined): string {
  if (typeof alert.alertType === 'string' && alert.alertType !== '') return alert.alertType;
  const pt = policyRule?.policyType ?? alert.policy?.policyType;
  return (typeof pt === 'string' && SIGNATURE_BY_POLICY_TYPE[pt]) || 'ALERT';
}

function nameOf(alert: MdcaAlert, policyRule: MdcaEntity | undefined): string {
  if (typeof policyRule?.label === 'string') return policyRule.label;
  if (typeof alert.policy?.label === 'string') return alert.policy.label;
  return asText(alert.title);
}

/** Fill `ev` from `alert`. Keys and their order are the agent's; empty values are still emitted. */
export function mapAlert(alert: MdcaAlert, m: AlertMapping, ev: CefEvent): number {
  const entities = entitiesOf(alert);
  const policyRule = entities.find((e) => e.type === 'policyRule');
  ev.setHeader(signatureOf(alert, policyRule), nameOf(alert, policyRule), m.severity(alert.severityValue));

  const ts = epochText(alert.timestamp);
  ev.text('externalId', alert._id);
  ev.fixed('start', ts);
  ev.fixed('end', ts);
  ev.text('msg', alert.description);
  ev.text('suser', firstLabel(entities, 'user') ?? firstLabel(entities, 'account'));
  ev.text('destinationServiceName', firstLabel(entities, 'service'));
  ev.fixed('cn1Label', 'riskScore');
  ev.fixed('cn1', typeof alert.threatScore === 'number' && Number.isFinite(alert.threatScore) ? String(Math.round(alert.threatScore)) : '');
  ev.fixed('cs1Label', 'portalURL');
  ev.text('cs1', alert.URL);
  ev.fixed('cs2Label', 'uniqueServiceAppIds');
  const apps: string[] = [];
  for (const e of entities) {
    if (e.type !== 'service' || e.id === undefined) continue;
    const token = m.appToken(e.id);
    if (!apps.includes(token)) apps.push(token);
  }
  ev.text('cs2', apps.join(','));
  ev.fixed('cs3Label', 'relatedAudits');
  ev.text('cs3', Array.isArray(alert.audits) ? alert.audits.map(asText).join(',') : '');
  ev.fixed('cs4Label', 'policyIDs');
  const policyIds = entities.filter((e) => e.type === 'policyRule' && e.id !== undefined).map((e) => asText(e.id));
  if (policyIds.length === 0 && typeof alert.policy?.id === 'string') policyIds.push(alert.policy.id);
  ev.text('cs4', policyIds.join(','));

  // Since 2020 the agent adds the alert's IP address: IPv4 as `src`, IPv6 as `c6a1` (mdca-api.md).
  let v4: string | undefined;
  let v6: string | undefined;
  for (const e of entities) {
    if (e.type !== 'ip') continue;
    const addr = typeof e.id === 'string' ? e.id : e.label;
    v4 ??= ipv4(addr);
    v6 ??= ipv6(addr);
  }
  if (v4 !== undefined) ev.fixed('src', v4);
  if (v6 !== undefined) {
    ev.fixed('c6a1Label', IPV6_LABEL);
    ev.fixed('c6a1', v6);
  }
  return typeof alert.timestamp === 'number' ? alert.timestamp : NaN;
}
