// The unified (alerts_v2) form of a Defender for Cloud Apps alert, as Microsoft's own alert pipeline
// shows the same detection in Defender XDR: providerAlertId is the MDCA `_id`, and title, description,
// severity, times, users, IPs and the app come from the legacy record. Pure: the same MDCA alert always
// gives the same Graph alert, so one alert can exist in both simulators (and the CEF compatibility test
// can compare the two sources' lines).
import type { MdcaAlert, MdcaEntity } from '../../sources/mdca/types.js';
import type { GraphAlert, GraphEvidence } from '../../sources/graph/types.js';
import { graphTime } from './times.js';

export const SIM_TENANT_ID = '4b2462a4-bbee-495a-a0e1-f23ae524cc9c';

/** MDCA severityValue (0 LOW, 1 MEDIUM, 2 HIGH, 3 INFORMATIONAL) to the Graph enumeration. */
const SEVERITY = ['low', 'medium', 'high', 'informational'] as const;
/** MDCA resolutionStatusValue (0 OPEN, 1 DISMISSED, 2 RESOLVED, 3 FALSE_POSITIVE, 4 BENIGN, 5 TRUE_POSITIVE). */
const CLASSIFICATION: Record<number, string> = { 3: 'falsePositive', 4: 'informationalExpectedActivity', 5: 'truePositive' };
const DETERMINATION: Record<number, string> = { 3: 'other', 4: 'confirmedUserActivity', 5: 'maliciousUserActivity' };

/** A stable numeric incident id from the alert id (FNV-1a), so both forms agree across runs. */
export function incidentIdFor(key: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193) >>> 0;
  return String(10_000 + (h % 90_000));
}

function userEvidence(e: MdcaEntity, created: string): GraphEvidence {
  const upn = String(e.pa ?? e.em ?? e.id ?? e.label ?? '');
  const [accountName, domainName] = upn.includes('@') ? [upn.slice(0, upn.indexOf('@')), upn.slice(upn.indexOf('@') + 1)] : [upn, null];
  return {
    '@odata.type': '#microsoft.graph.security.userEvidence',
    createdDateTime: created,
    verdict: 'suspicious',
    remediationStatus: 'none',
    roles: e.entityRole === 'Source' ? ['attacker'] : [],
    tags: [],
    userAccount: { accountName, domainName, userSid: null, azureAdUserId: null, userPrincipalName: upn, displayName: String(e.label ?? upn) },
  };
}

export interface FromMdcaOptions {
  tenantId?: string;
}

export function graphAlertFromMdca(mdca: MdcaAlert, o: FromMdcaOptions = {}): GraphAlert {
  const tenantId = o.tenantId ?? SIM_TENANT_ID;
  const id = `ca${mdca._id}`;
  const created = graphTime(mdca.timestamp);
  const resolved = typeof mdca.resolveTime === 'number' ? graphTime(mdca.resolveTime) : null;
  const resolution = Number(mdca.resolutionStatusValue ?? 0);
  const entities = mdca.entities ?? [];
  const incidentId = incidentIdFor(mdca._id);
  const policy = entities.find((e) => e.type === 'policyRule');
  const evidence: GraphEvidence[] = [];
  const seenUsers = new Set<string>();
  for (const e of entities) {
    if (e.type === 'account' || e.type === 'user') {
      const key = String(e.pa ?? e.em ?? e.id ?? '');
      if (seenUsers.has(key)) continue;
      seenUsers.add(key);
      evidence.push(userEvidence(e, created));
    } else if (e.type === 'ip') {
      evidence.push({
        '@odata.type': '#microsoft.graph.security.ipEvidence',
        createdDateTime: created,
        verdict: 'suspicious',
        remediationStatus: 'none',
        roles: [],
        tags: [],
        ipAddress: String(e.id ?? e.label ?? ''),
        countryLetterCode: null,
      });
    } else if (e.type === 'service') {
      evidence.push({
        '@odata.type': '#microsoft.graph.security.cloudApplicationEvidence',
        createdDateTime: created,
        verdict: 'unknown',
        remediationStatus: 'none',
        roles: [],
        tags: [],
        appId: typeof e.id === 'number' ? e.id : Number(e.id),
        displayName: String(e.label ?? ''),
        instanceId: Number(e.inst ?? 0),
        instanceName: String(e.label ?? ''),
        saasAppId: typeof e.saas === 'number' ? e.saas : null,
      });
    }
  }
  const comment = typeof mdca.comment === 'string' && mdca.comment !== '' ? mdca.comment : undefined;
  return {
    '@odata.type': '#microsoft.graph.security.alert',
    id,
    providerAlertId: mdca._id,
    incidentId,
    status: resolution === 0 ? 'new' : 'resolved',
    severity: SEVERITY[Number(mdca.severityValue ?? 0)] ?? 'unknown',
    classification: CLASSIFICATION[resolution] ?? (resolution === 0 ? null : 'unknown'),
    determination: DETERMINATION[resolution] ?? (resolution === 0 ? null : 'unknown'),
    serviceSource: 'microsoftDefenderForCloudApps',
    detectionSource: 'microsoftDefenderForCloudApps',
    detectorId: policy ? String(policy.id) : null,
    tenantId,
    title: mdca.title ?? '',
    description: mdca.description ?? null,
    recommendedActions: null,
    category: mdca.isSystemAlert ? 'SuspiciousActivity' : 'InitialAccess',
    assignedTo: typeof mdca.handledByUser === 'string' ? mdca.handledByUser : null,
    alertWebUrl: `https://security.microsoft.com/alerts/${id}?tid=${tenantId}`,
    incidentWebUrl: `https://security.microsoft.com/incidents/${incidentId}?tid=${tenantId}`,
    actorDisplayName: null,
    threatDisplayName: null,
    threatFamilyName: null,
    mitreTechniques: [],
    createdDateTime: created,
    lastUpdateDateTime: resolved ?? created,
    resolvedDateTime: resolved,
    firstActivityDateTime: created,
    lastActivityDateTime: created,
    comments: comment ? [{ comment, createdByDisplayName: String(mdca.handledByUser ?? 'Automation'), createdDateTime: resolved ?? created }] : [],
    systemTags: [],
    evidence,
  };
}
