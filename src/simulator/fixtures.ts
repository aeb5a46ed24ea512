// Deterministic fixture generator: alerts and activities shaped like the documented objects
// (mdca-api.md, "Alert fields" and "Activity fields"), from a seeded PRNG so runs are repeatable.
import type { MdcaActivity, MdcaAlert } from '../sources/mdca/types.js';

/** mulberry32: tiny, fast, good enough for fixtures (not for anything secret). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(rnd: () => number, xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
const hex = (rnd: () => number, n: number): string =>
  Array.from({ length: n }, () => Math.floor(rnd() * 16).toString(16)).join('');

const SERVICES = [
  { id: 15600, name: 'Microsoft OneDrive for Business', appId: 'APPID_ONEDRIVE' },
  { id: 20892, name: 'Microsoft SharePoint Online', appId: 'APPID_SHAREPOINT' },
  { id: 11161, name: 'Office 365', appId: 'APPID_O365' },
  { id: 10489, name: 'Box', appId: 'APPID_BOX' },
  { id: 11114, name: 'Salesforce', appId: 'APPID_SALESFORCE' },
  { id: 33626, name: 'Google', appId: 'APPID_33626' },
] as const;
const USERS = ['admin@contoso.com', 'user@contoso.com', 'alice@contoso.com', 'bob@fabrikam.com', 'carol@contoso.com'];
const ALERT_TYPES = [
  'ALERT_CABINET_EVENT_MATCH_AUDIT',
  'ALERT_SUSPICIOUS_ACTIVITY',
  'ALERT_DISCOVERY_ANOMALY_DETECTION',
  'ALERT_CABINET_EVENT_MATCH_FILE',
  'ALERT_CABINET_INLINE_EVENT_MATCH',
] as const;
const POLICY_TYPES: Record<string, string> = {
  ALERT_CABINET_EVENT_MATCH_AUDIT: 'AUDIT',
  ALERT_SUSPICIOUS_ACTIVITY: 'ANOMALY_DETECTION',
  ALERT_DISCOVERY_ANOMALY_DETECTION: 'DISCOVERY_ANOMALY',
  ALERT_CABINET_EVENT_MATCH_FILE: 'FILE',
  ALERT_CABINET_INLINE_EVENT_MATCH: 'INLINE',
};
const POLICIES = ['Mass download by a single user', 'Impossible travel', 'File shared with personal email', 'myPolicy', 'Activity from infrequent country'];
const EVENTS = [
  { value: 'EVENT_O365_ONEDRIVE_GENERIC', category: 'EVENT_CATEGORY_DOWNLOAD_FILE', pretty: 'FileDownloaded' },
  { value: 'EVENT_O365_LOGIN', category: 'EVENT_CATEGORY_LOGIN', pretty: 'UserLoggedIn' },
  { value: 'EVENT_O365_SHAREPOINT_GENERIC', category: 'EVENT_CATEGORY_SHARE_FILE', pretty: 'SharingSet' },
  { value: 'EVENT_BOX_UPLOAD', category: 'EVENT_CATEGORY_UPLOAD_FILE', pretty: 'Upload' },
] as const;

export interface GenerateOptions {
  seed?: number;
  /** Timestamps spread evenly-ish over [start, end] (epoch ms); both default to the last two days of `now`. */
  start?: number;
  end?: number;
  now?: number;
  /** Every record gets exactly this timestamp (for "many alerts in one millisecond"). */
  timestamp?: number;
  portalUrl?: string;
}

function times(count: number, o: GenerateOptions, rnd: () => number): number[] {
  if (o.timestamp !== undefined) return Array.from({ length: count }, () => o.timestamp!);
  const now = o.now ?? Date.now();
  const end = o.end ?? now;
  const start = o.start ?? end - 2 * 86_400_000;
  return Array.from({ length: count }, () => start + Math.floor(rnd() * (end - start + 1))).sort((a, b) => a - b);
}

export function generateAlerts(count: number, o: GenerateOptions = {}): MdcaAlert[] {
  const rnd = prng(o.seed ?? 1);
  const portal = o.portalUrl ?? 'https://contoso.portal.cloudappsecurity.com';
  return times(count, o, rnd).map((ts) => {
    const id = hex(rnd, 24);
    const svc = pick(rnd, SERVICES);
    const user = pick(rnd, USERS);
    const type = pick(rnd, ALERT_TYPES);
    const policyName = pick(rnd, POLICIES);
    const policyId = hex(rnd, 24);
    const severity = Math.floor(rnd() * 3);
    const resolution = rnd() < 0.8 ? 0 : pick(rnd, [1, 2, 3, 4, 5]);
    const ip = `${10 + Math.floor(rnd() * 200)}.${Math.floor(rnd() * 256)}.${Math.floor(rnd() * 256)}.${1 + Math.floor(rnd() * 254)}`;
    return {
      _id: id,
      timestamp: ts,
      title: policyName,
      description: `Activity policy '${policyName}' was triggered by '${user}'`,
      isMarkdown: false,
      statusValue: resolution === 0 ? 0 : 2,
      severityValue: severity,
      resolutionStatusValue: resolution,
      stories: [pick(rnd, [0, 2, 3, 5])],
      intent: [Math.floor(rnd() * 14)],
      evidence: [],
      audits: [`${ts - 60_000}_${hex(rnd, 8)}-${hex(rnd, 4)}-${hex(rnd, 4)}-${hex(rnd, 4)}-${hex(rnd, 12)}`],
      threatScore: rnd() < 0.5 ? null : Math.floor(rnd() * 100),
      contextId: hex(rnd, 8),
      idValue: Math.floor(rnd() * 1e7),
      isSystemAlert: type === 'ALERT_SUSPICIOUS_ACTIVITY',
      comment: null,
      handledByUser: resolution === 0 ? null : 'admin@contoso.com',
      resolveTime: resolution === 0 ? null : ts + 3_600_000,
      URL: `${portal}/#/alerts/${id}`,
      alertType: type,
      source: 'CAS',
      entities: [
        { type: 'policyRule', id: policyId, label: policyName, policyType: POLICY_TYPES[type] },
        { type: 'service', id: svc.id, label: svc.name, saas: svc.id, inst: 0 },
        { type: 'account', id: user, label: user, pa: user, em: user, saas: svc.id, inst: 0, entityRole: 'Source' },
        { type: 'user', id: user, label: user, pa: user, em: user, entityRole: 'Related' },
        { type: 'ip', id: ip, label: ip },
      ],
      policy: { id: policyId, label: policyName, policyType: POLICY_TYPES[type], type: 'policyRule' },
    };
  });
}

export function generateActivities(count: number, o: GenerateOptions = {}): MdcaActivity[] {
  const rnd = prng(o.seed ?? 2);
  return times(count, o, rnd).map((ts) => {
    const svc = pick(rnd, SERVICES);
    const user = pick(rnd, USERS);
    const ev = pick(rnd, EVENTS);
    const ip = `${10 + Math.floor(rnd() * 200)}.${Math.floor(rnd() * 256)}.${Math.floor(rnd() * 256)}.${1 + Math.floor(rnd() * 254)}`;
    const file = `report-${Math.floor(rnd() * 1000)}.xlsx`;
    return {
      _id: `${hex(rnd, 32)}_${Math.floor(rnd() * 100000)}_${hex(rnd, 8)}-${hex(rnd, 4)}-${hex(rnd, 4)}-${hex(rnd, 4)}-${hex(rnd, 12)}`,
      uid: hex(rnd, 24),
      tenantId: 12345678,
      appId: svc.id,
      appName: svc.name,
      timestamp: ts,
      created: ts + Math.floor(rnd() * 120_000),
      eventType: ev.value,
      eventTypeValue: ev.value,
      eventTypeName: ev.category,
      description: `${ev.pretty} ${file}`,
      severity: 'INFO',
      source: 2,
      ipCategory: pick(rnd, [1, 2, 3, 4, 5, 6]),
      device: { clientIP: ip, userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64)', countryCode: pick(rnd, ['US', 'GB', 'DE', 'FR']) },
      location: { countryCode: 'US', city: 'Seattle' },
      user: { userName: user, userTags: [] },
      userAgent: { family: 'CHROME', operatingSystem: { family: 'Windows' } },
      mainInfo: {
        eventObjects: [
          { name: user, id: user, objType: 21, role: 3 },
          { name: file, id: hex(rnd, 16), objType: 1, role: 4 },
        ],
        rawOperationName: ev.pretty,
        prettyOperationName: ev.pretty,
      },
      internals: { otherIPs: [ip] },
      rawDataJson: {},
    };
  });
}
