// MDCA alert → CEF event, field by field as the retired SIEM agent wrote it (siem.md samples; docs/cef.md).
import type { MdcaAlert, MdcaEntity } from '../types.js';
import { CefEvent, asText } from '../../../cef/extension.js';
import { epochText } from '../../../cef/header/time.js';
import { ipv4, ipv6 } from '../../../cef/ip.js';
import { EXTENSION_LIMITS as L } from '../../../cef/limits/fields.js';

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

/** What the alert's entities contribute, gathered in one pass. */
interface EntityView {
  policyRule?: MdcaEntity;
  policyIds: string[];
  user?: string;
  account?: string;
  service?: string;
  apps: string[];
  v4?: string;
  v6?: string;
}

function viewEntities(alert: MdcaAlert, appToken: (id: unknown) => string): EntityView {
  const v: EntityView = { policyIds: [], apps: [] };
  const list = Array.isArray(alert.entities) ? alert.entities : [];
  for (const e of list) {
    if (typeof e !== 'object' || e === null) continue;
    switch (e.type) {
      case 'policyRule':
        v.policyRule ??= e;
        if (e.id !== undefined) v.policyIds.push(asText(e.id));
        break;
      case 'service': {
        if (v.service === undefined && typeof e.label === 'string') v.service = e.label;
        if (e.id === undefined) break;
        const token = appToken(e.id);
        if (!v.apps.includes(token)) v.apps.push(token);
        break;
      }
      case 'user':
        if (v.user === undefined && typeof e.label === 'string') v.user = e.label;
        break;
      case 'account':
        if (v.account === undefined && typeof e.label === 'string') v.account = e.label;
        break;
      case 'ip': {
        const addr = typeof e.id === 'string' ? e.id : e.label;
        v.v4 ??= ipv4(addr);
        v.v6 ??= ipv6(addr);
        break;
      }
    }
  }
  return v;
}

function signatureOf(alert: MdcaAlert, policyRule: MdcaEntity | undefined): string {
  if (typeof alert.alertType === 'string' && alert.alertType !== '') return alert.alertType;
  const pt = policyRule?.policyType ?? alert.policy?.policyType;
  return (typeof pt === 'string' && SIGNATURE_BY_POLICY_TYPE[pt]) || 'ALERT';
}

/** The policy name: the policyRule entity's label, else `policy.label`, else the alert title. */
function nameOf(alert: MdcaAlert, policyRule: MdcaEntity | undefined): string {
  if (typeof policyRule?.label === 'string') return policyRule.label;
  if (typeof alert.policy?.label === 'string') return alert.policy.label;
  return asText(alert.title);
}

/** Fill `ev` from `alert`. Keys and their order are the agent's; empty values are still emitted. */
export function mapAlert(alert: MdcaAlert, m: AlertMapping, ev: CefEvent): number {
  const v = viewEntities(alert, m.appToken);
  ev.setHeader(signatureOf(alert, v.policyRule), nameOf(alert, v.policyRule), m.severity(alert.severityValue));

  const ts = epochText(alert.timestamp);
  ev.text('externalId=', alert._id, L.externalId);
  ev.fixed('start=', ts);
  ev.fixed('end=', ts);
  ev.text('msg=', alert.description, L.msg);
  ev.text('suser=', v.user ?? v.account, L.suser);
  ev.text('destinationServiceName=', v.service, L.destinationServiceName);
  ev.fixed('cn1Label=', 'riskScore');
  ev.fixed('cn1=', typeof alert.threatScore === 'number' && Number.isFinite(alert.threatScore) ? String(Math.round(alert.threatScore)) : '');
  ev.fixed('cs1Label=', 'portalURL');
  ev.text('cs1=', alert.URL, L.cs1);
  ev.fixed('cs2Label=', 'uniqueServiceAppIds');
  ev.text('cs2=', v.apps.length === 1 ? v.apps[0] : v.apps.join(','), L.cs2);
  ev.fixed('cs3Label=', 'relatedAudits');
  const audits = alert.audits;
  ev.text('cs3=', Array.isArray(audits) ? (audits.length === 1 ? asText(audits[0]) : audits.map(asText).join(',')) : '', L.cs3);
  ev.fixed('cs4Label=', 'policyIDs');
  if (v.policyIds.length === 0 && typeof alert.policy?.id === 'string') v.policyIds.push(alert.policy.id);
  ev.text('cs4=', v.policyIds.length === 1 ? v.policyIds[0] : v.policyIds.join(','), L.cs4);

  // Since 2020 the agent adds the alert's IP address: IPv4 as `src`, IPv6 as `c6a1` (mdca-api.md).
  if (v.v4 !== undefined) ev.fixed('src=', v.v4);
  if (v.v6 !== undefined) {
    ev.fixed('c6a1Label=', IPV6_LABEL);
    ev.fixed('c6a1=', v.v6);
  }
  return typeof alert.timestamp === 'number' ? alert.timestamp : NaN;
}
