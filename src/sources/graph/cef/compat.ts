// Defender for Cloud Apps alert from Graph → the legacy source's CEF event (compatibility mode).
//
// Mirrors src/sources/mdca/cef/alert.ts key for key and in the same order, so SIEM content written
// for the retired agent's lines keeps working when the source changes. Where Graph lacks the legacy
// datum the key is still written, with what Graph has or empty; every such field is listed in
// docs/graph-cef.md ("Compatibility mode: what differs").
import { CefEvent, asText } from '../../../cef/extension.js';
import { epochText } from '../../../cef/header/time.js';
import { EXTENSION_LIMITS as L } from '../../../cef/limits/fields.js';
import { IPV6_LABEL } from '../../mdca/cef/alert.js';
import type { GraphAlert } from '../types.js';
import { viewEvidence } from './evidence.js';
import { graphMs } from './time.js';

export const MDCA_SERVICE_SOURCE = 'microsoftDefenderForCloudApps';

export interface CompatMapping {
  /** Legacy `APPID_<NAME>` token of an MDCA app id (the legacy formatter's table and `appNames`). */
  appToken: (id: unknown) => string;
  /** The legacy severity map, on the MDCA severityValue. */
  severity: (severityValue: unknown) => number;
}

/** Graph severity → MDCA severityValue (0 LOW, 1 MEDIUM, 2 HIGH, 3 INFORMATIONAL); others undefined (legacy: 3). */
const MDCA_SEVERITY_VALUE: Readonly<Record<string, number>> = { low: 0, medium: 1, high: 2, informational: 3 };

/**
 * The legacy signature is MDCA's `alertType`, which Graph does not carry. A detectorId that is an
 * alert type is used as is; otherwise the policy kind named at the start of the description, which
 * MDCA writes for policy alerts ("Activity policy '...' was triggered by ..."), gives the type the
 * legacy mapping derives from the policy type; else `ALERT`, the legacy fallback.
 */
export function compatSignature(a: GraphAlert): string {
  const d = a.detectorId;
  if (typeof d === 'string' && /^ALERT_[A-Z0-9_]{1,120}$/.test(d)) return d;
  const desc = typeof a.description === 'string' ? a.description.slice(0, 32) : '';
  if (desc.startsWith('Activity policy')) return 'ALERT_CABINET_EVENT_MATCH_AUDIT';
  if (desc.startsWith('File policy')) return 'ALERT_CABINET_EVENT_MATCH_FILE';
  if (desc.startsWith('Session policy')) return 'ALERT_CABINET_INLINE_EVENT_MATCH';
  return 'ALERT';
}

/** The id the legacy source wrote as externalId: MDCA's `_id`, which Graph gives as providerAlertId. */
export function compatExternalId(a: GraphAlert): unknown {
  const p = a.providerAlertId;
  return typeof p === 'string' && p !== '' ? p : a.id;
}

/** Fill `ev` as the legacy mapping would for the same MDCA alert; returns the header time (epoch ms). */
export function mapCompat(a: GraphAlert, m: CompatMapping, ev: CefEvent): number {
  const v = viewEvidence(a.evidence);
  const sev = typeof a.severity === 'string' ? MDCA_SEVERITY_VALUE[a.severity] : undefined;
  ev.setHeader(compatSignature(a), asText(a.title), m.severity(sev));

  const time = graphMs(a.createdDateTime);
  const ts = epochText(time);
  ev.text('externalId=', compatExternalId(a), L.externalId);
  ev.fixed('start=', ts);
  ev.fixed('end=', ts);
  ev.text('msg=', a.description, L.msg);
  ev.text('suser=', v.user?.name, L.suser);
  ev.text('destinationServiceName=', v.app, L.destinationServiceName);
  ev.fixed('cn1Label=', 'riskScore');
  ev.fixed('cn1=', ''); // MDCA's threatScore has no Graph field
  ev.fixed('cs1Label=', 'portalURL');
  ev.text('cs1=', a.alertWebUrl, L.cs1);
  ev.fixed('cs2Label=', 'uniqueServiceAppIds');
  ev.text('cs2=', v.appIds.map(m.appToken).join(','), L.cs2);
  ev.fixed('cs3Label=', 'relatedAudits');
  ev.fixed('cs3=', ''); // the activities behind an MDCA alert have no Graph field
  ev.fixed('cs4Label=', 'policyIDs');
  ev.text('cs4=', a.detectorId, L.cs4);

  const v4 = v.src4 ?? v.dst4;
  const v6 = v.src6 ?? v.dst6;
  if (v4 !== undefined) ev.fixed('src=', v4);
  if (v6 !== undefined) {
    ev.fixed('c6a1Label=', IPV6_LABEL);
    ev.fixed('c6a1=', v6);
  }
  return time;
}
