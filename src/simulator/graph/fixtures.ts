// Deterministic alerts_v2 fixtures for each serviceSource, shaped like the documented example
// (security-list-alerts_v2.md): evidence by product (device/process/file with hashes for Endpoint,
// user/IP for Identity, mailbox/analyzedMessage/URL for Office 365, user/IP/app for Cloud Apps, which
// are derived from the legacy simulator's fixtures through graphAlertFromMdca), MITRE techniques,
// category, incident id and links. Same seed, same alerts.
import { SERVICE_SOURCES, type GraphAlert, type GraphEvidence } from '../../sources/graph/types.js';
import { generateAlerts, prng } from '../fixtures.js';
import { graphAlertFromMdca, incidentIdFor, SIM_TENANT_ID } from './from-mdca.js';
import { graphTime } from './times.js';

/** The six products the simulator generates (the "6 service sources"): the first six known ones. */
export const SIM_SERVICE_SOURCES = SERVICE_SOURCES.slice(0, 6);

type Rnd = () => number;
const pick = <T>(rnd: Rnd, xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
const hex = (rnd: Rnd, n: number) => Array.from({ length: n }, () => Math.floor(rnd() * 16).toString(16)).join('');
const guid = (rnd: Rnd) => `${hex(rnd, 8)}-${hex(rnd, 4)}-${hex(rnd, 4)}-${hex(rnd, 4)}-${hex(rnd, 12)}`;
const ip = (rnd: Rnd) => `${20 + Math.floor(rnd() * 180)}.${Math.floor(rnd() * 256)}.${Math.floor(rnd() * 256)}.${1 + Math.floor(rnd() * 254)}`;

const USERS = ['alice@contoso.com', 'bob@contoso.com', 'carol@contoso.com', 'dave@fabrikam.com', 'svc-backup@contoso.com'];
const DEVICES = ['ws-fin-014.contoso.local', 'ws-dev-221.contoso.local', 'srv-sql-02.contoso.local', 'lt-hr-007.contoso.local'];

interface Template {
  title: string;
  category: string;
  mitre: string[];
  detectionSource: string;
  description: string;
}

const TEMPLATES: Record<string, Template[]> = {
  microsoftDefenderForEndpoint: [
    { title: 'Suspicious execution of hidden file', category: 'DefenseEvasion', mitre: ['T1564.001'], detectionSource: 'antivirus', description: 'A hidden file has been launched. This activity could indicate a compromised host.' },
    { title: "Suspicious PowerShell command line", category: 'Execution', mitre: ['T1059.001', 'T1027'], detectionSource: 'microsoftDefenderForEndpoint', description: 'A suspicious PowerShell activity was observed on the machine.' },
    { title: 'Credential dumping activity observed', category: 'CredentialAccess', mitre: ['T1003.001'], detectionSource: 'microsoftDefenderForEndpoint', description: 'A process accessed the memory of lsass.exe, which may indicate credential theft.' },
    { title: "'Mimikatz' hacktool was detected", category: 'Malware', mitre: ['T1003'], detectionSource: 'antivirus', description: 'Readily available tools, such as hacking programs, can be used by unauthorized individuals.' },
  ],
  microsoftDefenderForIdentity: [
    { title: 'Suspected brute-force attack (Kerberos, NTLM)', category: 'CredentialAccess', mitre: ['T1110', 'T1110.003'], detectionSource: 'microsoftDefenderForIdentity', description: 'Failed authentication attempts from a single source against several accounts.' },
    { title: 'Suspected DCSync attack (replication of directory services)', category: 'CredentialAccess', mitre: ['T1003.006'], detectionSource: 'microsoftDefenderForIdentity', description: 'A replication request was initiated from a computer that is not a domain controller.' },
    { title: 'Account enumeration reconnaissance', category: 'Discovery', mitre: ['T1087.002'], detectionSource: 'microsoftDefenderForIdentity', description: 'Suspicious account enumeration activity using Kerberos protocol.' },
  ],
  microsoftDefenderForOffice365: [
    { title: 'Email messages containing malicious URL removed after delivery', category: 'InitialAccess', mitre: ['T1566.002'], detectionSource: 'microsoftDefenderForOffice365', description: 'Emails with a malicious URL were delivered and later removed (ZAP).' },
    { title: 'A potentially malicious URL click was detected', category: 'InitialAccess', mitre: ['T1566.002', 'T1204.001'], detectionSource: 'microsoftDefenderForOffice365', description: 'A user clicked a URL that was later determined to be malicious.' },
    { title: 'Suspicious email sending patterns detected', category: 'Exfiltration', mitre: ['T1114.003'], detectionSource: 'microsoftDefenderForOffice365', description: 'A mailbox sent an unusual volume of email.' },
  ],
  microsoft365Defender: [
    { title: 'Multi-stage incident involving Initial access & Lateral movement', category: 'LateralMovement', mitre: ['T1021.002', 'T1078'], detectionSource: 'microsoft365Defender', description: 'Correlated activity across endpoints and identities indicates a multi-stage attack.' },
    { title: 'Suspicious inbox manipulation rule', category: 'DefenseEvasion', mitre: ['T1564.008'], detectionSource: 'microsoft365Defender', description: 'An inbox rule that hides or deletes messages was created after a risky sign-in.' },
  ],
  microsoftAppGovernance: [
    { title: 'App with suspicious OAuth scopes made Graph calls to read email', category: 'Collection', mitre: ['T1114.002'], detectionSource: 'appGovernancePolicy', description: 'An OAuth app with high privilege scopes read mailboxes at an unusual volume.' },
    { title: 'Newly created app with low consent rate accessed files', category: 'Exfiltration', mitre: ['T1567'], detectionSource: 'appGovernanceDetection', description: 'A recently registered app with few consents downloaded many SharePoint files.' },
  ],
};

/** Alert id prefixes as the service forms them per product (da = Endpoint, aa = Identity, ...). */
const ID_PREFIX: Record<string, string> = {
  microsoftDefenderForEndpoint: 'da',
  microsoftDefenderForIdentity: 'aa',
  microsoftDefenderForOffice365: 'fa',
  microsoft365Defender: 'ra',
  microsoftAppGovernance: 'ma',
};

function base(rnd: Rnd, created: string): Pick<GraphEvidence, 'createdDateTime' | 'verdict' | 'remediationStatus' | 'roles' | 'tags'> {
  return { createdDateTime: created, verdict: pick(rnd, ['suspicious', 'malicious', 'unknown']), remediationStatus: 'none', roles: [], tags: [] };
}

function userEv(rnd: Rnd, created: string, upn: string): GraphEvidence {
  const [name, domain] = upn.split('@') as [string, string];
  return {
    '@odata.type': '#microsoft.graph.security.userEvidence',
    ...base(rnd, created),
    userAccount: { accountName: name, domainName: domain, userSid: `S-1-5-21-${Math.floor(rnd() * 1e9)}-${Math.floor(rnd() * 1e9)}-${1000 + Math.floor(rnd() * 9000)}`, azureAdUserId: guid(rnd), userPrincipalName: upn, displayName: name },
  };
}

function evidenceFor(source: string, rnd: Rnd, created: string, user: string): GraphEvidence[] {
  switch (source) {
    case 'microsoftDefenderForEndpoint': {
      const mdeDeviceId = hex(rnd, 40);
      const file = pick(rnd, [
        { fileName: 'powershell.exe', filePath: 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0' },
        { fileName: 'mimikatz.exe', filePath: 'C:\\Users\\Public\\Downloads' },
        { fileName: 'rundll32.exe', filePath: 'C:\\Windows\\System32' },
      ]);
      const fileDetails = { sha1: hex(rnd, 40), sha256: hex(rnd, 64), md5: hex(rnd, 32), fileName: file.fileName, filePath: file.filePath, fileSize: 10_000 + Math.floor(rnd() * 5_000_000) };
      const [acct, domain] = user.split('@') as [string, string];
      return [
        { '@odata.type': '#microsoft.graph.security.deviceEvidence', ...base(rnd, created), roles: ['compromised'], mdeDeviceId, azureAdDeviceId: guid(rnd), deviceDnsName: pick(rnd, DEVICES), osPlatform: 'Windows11', ipInterfaces: [ip(rnd)], loggedOnUsers: [{ accountName: acct, domainName: domain.split('.')[0]!.toUpperCase() }] },
        { '@odata.type': '#microsoft.graph.security.fileEvidence', ...base(rnd, created), mdeDeviceId, detectionStatus: 'detected', fileDetails },
        { '@odata.type': '#microsoft.graph.security.processEvidence', ...base(rnd, created), mdeDeviceId, processId: 1000 + Math.floor(rnd() * 60_000), parentProcessId: 500 + Math.floor(rnd() * 5000), processCommandLine: `"${file.fileName}" -nop -w hidden -enc ${hex(rnd, 24)}`, processCreationDateTime: created, imageFile: fileDetails, userAccount: { accountName: acct, domainName: domain.split('.')[0]!.toUpperCase(), userSid: null, azureAdUserId: null, userPrincipalName: user, displayName: acct } },
      ];
    }
    case 'microsoftDefenderForIdentity':
      return [
        userEv(rnd, created, user),
        { '@odata.type': '#microsoft.graph.security.ipEvidence', ...base(rnd, created), ipAddress: ip(rnd), countryLetterCode: pick(rnd, ['US', 'NL', 'BR', 'KR']) },
        { '@odata.type': '#microsoft.graph.security.deviceEvidence', ...base(rnd, created), deviceDnsName: pick(rnd, ['dc01.contoso.local', 'dc02.contoso.local']), mdeDeviceId: null, ipInterfaces: [] },
      ];
    case 'microsoftDefenderForOffice365': {
      const url = `https://${pick(rnd, ['login-micros0ft.com', 'contoso-payroll.net', 'docs-share.io'])}/${hex(rnd, 10)}`;
      return [
        { '@odata.type': '#microsoft.graph.security.mailboxEvidence', ...base(rnd, created), primaryAddress: user, displayName: user.split('@')[0], userAccount: { accountName: user.split('@')[0], userPrincipalName: user } },
        { '@odata.type': '#microsoft.graph.security.analyzedMessageEvidence', ...base(rnd, created), networkMessageId: guid(rnd), internetMessageId: `<${hex(rnd, 16)}@mail.example>`, subject: pick(rnd, ['Invoice overdue', 'Your password expires today', 'Shared document']), senderIp: ip(rnd), recipientEmailAddress: user, p1Sender: { emailAddress: `noreply@${hex(rnd, 6)}.com` }, urls: [url], deliveryAction: 'delivered' },
        { '@odata.type': '#microsoft.graph.security.urlEvidence', ...base(rnd, created), url },
      ];
    }
    case 'microsoftAppGovernance':
      return [
        { '@odata.type': '#microsoft.graph.security.oauthApplicationEvidence', ...base(rnd, created), appId: guid(rnd), displayName: pick(rnd, ['MailSyncPro', 'FileHelper', 'CalendarBot']), objectId: guid(rnd), publisher: 'Unverified' },
        userEv(rnd, created, user),
      ];
    default: // microsoft365Defender: a correlated mix
      return [userEv(rnd, created, user), { '@odata.type': '#microsoft.graph.security.ipEvidence', ...base(rnd, created), ipAddress: ip(rnd), countryLetterCode: 'US' }, { '@odata.type': '#microsoft.graph.security.deviceEvidence', ...base(rnd, created), deviceDnsName: pick(rnd, DEVICES), mdeDeviceId: hex(rnd, 40), ipInterfaces: [ip(rnd)] }];
  }
}

export interface GraphGenerateOptions {
  seed?: number;
  /** createdDateTime spread over [start, end] (epoch ms); default the two days before `now`. */
  start?: number;
  end?: number;
  now?: number;
  /** Products to cycle through (default the six SIM_SERVICE_SOURCES, evenly). */
  serviceSources?: readonly string[];
  tenantId?: string;
}

/** One alert of a non-MDCA product from the PRNG (Cloud Apps alerts come from generateAlerts). */
function nativeAlert(source: string, rnd: Rnd, ms: number, tenantId: string): GraphAlert {
  const t = pick(rnd, TEMPLATES[source] ?? TEMPLATES.microsoft365Defender!);
  const id = `${ID_PREFIX[source] ?? 'xa'}${String(Math.floor(rnd() * 1e18)).padStart(18, '0')}_${Math.floor(rnd() * 2 ** 31) - 2 ** 30}`;
  const created = graphTime(ms, rnd() * 10_000);
  const user = pick(rnd, USERS);
  const incidentId = incidentIdFor(`${source}:${Math.floor(rnd() * 400)}`);
  const severity = pick(rnd, ['informational', 'low', 'medium', 'medium', 'high']);
  return {
    '@odata.type': '#microsoft.graph.security.alert',
    id,
    providerAlertId: source === 'microsoftDefenderForOffice365' ? guid(rnd) : id,
    incidentId,
    status: 'new',
    severity,
    classification: null,
    determination: null,
    serviceSource: source,
    detectionSource: t.detectionSource,
    detectorId: guid(rnd),
    tenantId,
    title: t.title,
    description: t.description,
    recommendedActions: 'Review the evidence, contain affected entities and determine the scope.',
    category: t.category,
    assignedTo: null,
    alertWebUrl: `https://security.microsoft.com/alerts/${id}?tid=${tenantId}`,
    incidentWebUrl: `https://security.microsoft.com/incidents/${incidentId}?tid=${tenantId}`,
    actorDisplayName: null,
    threatDisplayName: t.category === 'Malware' ? 'HackTool:Win32/Mimikatz' : null,
    threatFamilyName: t.category === 'Malware' ? 'Mimikatz' : null,
    mitreTechniques: t.mitre,
    createdDateTime: created,
    lastUpdateDateTime: created,
    resolvedDateTime: null,
    firstActivityDateTime: graphTime(ms - Math.floor(rnd() * 3_600_000)),
    lastActivityDateTime: graphTime(ms - Math.floor(rnd() * 60_000)),
    comments: [],
    systemTags: [],
    evidence: evidenceFor(source, rnd, created, user),
  };
}

/**
 * `count` alerts, evenly over `serviceSources`, createdDateTime in [start, end]; Cloud Apps alerts are
 * graphAlertFromMdca(generateAlerts(k, {seed, start, end})): the same alerts the legacy simulator
 * serves with that seed and range.
 */
export function generateGraphAlerts(count: number, o: GraphGenerateOptions = {}): GraphAlert[] {
  const seed = o.seed ?? 1;
  const rnd = prng(seed ^ 0x5eed);
  const now = o.now ?? Date.now();
  const end = o.end ?? now;
  const start = o.start ?? end - 2 * 86_400_000;
  const tenantId = o.tenantId ?? SIM_TENANT_ID;
  const sources = o.serviceSources ?? SIM_SERVICE_SOURCES;
  const perSource = sources.map((_, i) => Math.floor(count / sources.length) + (i < count % sources.length ? 1 : 0));
  const out: GraphAlert[] = [];
  sources.forEach((source, i) => {
    const n = perSource[i]!;
    if (source === 'microsoftDefenderForCloudApps') {
      for (const a of generateAlerts(n, { seed, start, end, now })) out.push(graphAlertFromMdca(a, { tenantId }));
      return;
    }
    for (let k = 0; k < n; k++) out.push(nativeAlert(source, rnd, start + Math.floor(rnd() * (end - start + 1)), tenantId));
  });
  return out;
}
