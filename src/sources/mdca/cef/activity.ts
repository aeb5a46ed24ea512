// MDCA activity → CEF event, as the retired SIEM agent wrote it (siem.md activity samples, agent 0.111+).
import type { MdcaActivity } from '../types.js';
import { CefEvent, asText } from '../../../cef/extension.js';
import { IPV6_LABEL } from './alert.js';
import { epochText } from '../../../cef/header/time.js';
import { ipv4, ipv6 } from '../../../cef/ip.js';
import { EXTENSION_LIMITS as L } from '../../../cef/limits/fields.js';
import { ACTIVITY_SEVERITY } from '../../../cef/severity.js';

export interface ActivityMapping {
  appToken: (id: unknown) => string;
  /** Portal base URL without trailing slash, or '' when unknown. */
  portalUrl: string;
}

/**
 * The portal's activity type ("Log out", "View report"): `mainInfo.prettyOperationName`, else the
 * description up to its first `:` (the agent's msg is "<type>: <object>"), else `eventTypeValue`.
 */
function activityName(a: MdcaActivity): string {
  const pretty = a.mainInfo?.prettyOperationName;
  if (typeof pretty === 'string' && pretty !== '') return pretty;
  if (typeof a.description === 'string' && a.description !== '') {
    const colon = a.description.indexOf(':');
    return colon > 0 ? a.description.slice(0, colon) : a.description;
  }
  return asText(a.eventTypeValue);
}

function portalUrlOf(a: MdcaActivity, base: string): string {
  if (typeof a.URL === 'string') return a.URL;
  const id = asText(a._id);
  return base === '' || id === '' ? '' : `${base}/#/audits?activity.id=eq(${id},)`;
}

/** Fill `ev` from `activity`; every key is always emitted, in the agent's order. */
export function mapActivity(a: MdcaActivity, m: ActivityMapping, ev: CefEvent): number {
  const signature = typeof a.eventTypeName === 'string' && a.eventTypeName !== '' ? a.eventTypeName : 'EVENT_CATEGORY_UNKNOWN';
  ev.setHeader(signature, activityName(a), ACTIVITY_SEVERITY);
  const ts = epochText(a.timestamp);
  const device = typeof a.device === 'object' && a.device !== null ? a.device : {};
  const objects = Array.isArray(a.mainInfo?.eventObjects) ? a.mainInfo.eventObjects : [];

  ev.text('externalId=', a._id, L.externalId);
  ev.fixed('rt=', ts);
  ev.fixed('start=', ts);
  ev.fixed('end=', ts);
  ev.text('msg=', a.description, L.msg);
  ev.text('suser=', typeof a.user === 'object' && a.user !== null ? a.user.userName : undefined, L.suser);
  ev.text('destinationServiceName=', a.appName, L.destinationServiceName);
  ev.fixed('dvc=', ipv4(device.clientIP) ?? '');
  ev.text('requestClientApplication=', device.userAgent, L.requestClientApplication);
  ev.fixed('cs1Label=', 'portalURL');
  ev.text('cs1=', portalUrlOf(a, m.portalUrl), L.cs1);
  ev.fixed('cs2Label=', 'uniqueServiceAppIds');
  ev.text('cs2=', a.appId === undefined || a.appId === null ? '' : m.appToken(a.appId), L.cs2);
  ev.fixed('cs3Label=', 'targetObjects');
  ev.text('cs3=', objects.map((o) => (typeof o === 'object' && o !== null ? asText(o.name) : '')).join(','), L.cs3);
  ev.fixed('cs4Label=', 'policyIDs');
  ev.text('cs4=', Array.isArray(a.policyIds) ? a.policyIds.map(asText).join(',') : '', L.cs4);
  ev.fixed('c6a1Label=', IPV6_LABEL);
  ev.fixed('c6a1=', ipv6(device.clientIP) ?? '');
  return typeof a.timestamp === 'number' ? a.timestamp : NaN;
}
