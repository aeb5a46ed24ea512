// Shapes of Microsoft Graph security alerts_v2 objects (v1.0 "alert resource type", see
// ../shared/reference/graph-security-api.md). Only fields the relay reads are typed; the rest stays unknown.

/** The stream name (checkpoint row) of this source: separate from the legacy source's `alerts`. */
export const GRAPH_STREAM = 'graph-alerts';

export type GraphSeverity = 'unknown' | 'informational' | 'low' | 'medium' | 'high' | 'unknownFutureValue';
export type GraphStatus = 'unknown' | 'new' | 'inProgress' | 'resolved' | 'unknownFutureValue';

/** Known `serviceSource` values (the API may add more: any string is accepted). */
export const SERVICE_SOURCES = [
  'microsoftDefenderForEndpoint',
  'microsoftDefenderForIdentity',
  'microsoftDefenderForCloudApps',
  'microsoftDefenderForOffice365',
  'microsoft365Defender',
  'microsoftAppGovernance',
  'dataLossPrevention',
  'microsoftDefenderForCloud',
  'microsoftSentinel',
  'microsoftInsiderRiskManagement',
] as const;

export interface GraphUserAccount {
  accountName?: string | null;
  domainName?: string | null;
  userSid?: string | null;
  azureAdUserId?: string | null;
  userPrincipalName?: string | null;
  displayName?: string | null;
}

/** One evidence item: `@odata.type` says which type-specific fields it carries. */
export interface GraphEvidence {
  '@odata.type': string; // e.g. #microsoft.graph.security.deviceEvidence
  createdDateTime?: string;
  verdict?: string; // unknown | suspicious | malicious | noThreatsFound
  remediationStatus?: string;
  roles?: string[];
  tags?: string[];
  // userEvidence
  userAccount?: GraphUserAccount | null;
  // deviceEvidence
  deviceDnsName?: string | null;
  mdeDeviceId?: string | null;
  azureAdDeviceId?: string | null;
  osPlatform?: string | null;
  ipInterfaces?: string[];
  loggedOnUsers?: Array<{ accountName?: string; domainName?: string }>;
  // ipEvidence
  ipAddress?: string | null;
  countryLetterCode?: string | null;
  // urlEvidence
  url?: string | null;
  // fileEvidence
  fileDetails?: { sha1?: string | null; sha256?: string | null; md5?: string | null; fileName?: string | null; filePath?: string | null; fileSize?: number | null } | null;
  // processEvidence
  processId?: number | null;
  parentProcessId?: number | null;
  processCommandLine?: string | null;
  imageFile?: GraphEvidence['fileDetails'];
  processCreationDateTime?: string | null;
  // mailboxEvidence / analyzedMessageEvidence
  primaryAddress?: string | null;
  displayName?: string | null;
  senderIp?: string | null;
  recipientEmailAddress?: string | null;
  subject?: string | null;
  networkMessageId?: string | null;
  // cloudApplicationEvidence (a number) / oauthApplicationEvidence (a GUID string)
  appId?: number | string | null;
  instanceName?: string | null;
  // registryKeyEvidence / registryValueEvidence
  registryKey?: string | null;
  registryHive?: string | null;
  [key: string]: unknown;
}

export interface GraphAlert {
  id: string;
  providerAlertId?: string | null;
  incidentId?: string | null;
  status?: GraphStatus | string;
  severity?: GraphSeverity | string;
  classification?: string | null; // unknown | falsePositive | truePositive | informationalExpectedActivity
  determination?: string | null;
  serviceSource?: string;
  detectionSource?: string;
  detectorId?: string | null;
  tenantId?: string;
  title?: string;
  description?: string | null;
  recommendedActions?: string | null;
  category?: string | null;
  assignedTo?: string | null;
  alertWebUrl?: string | null;
  incidentWebUrl?: string | null;
  actorDisplayName?: string | null;
  threatDisplayName?: string | null;
  threatFamilyName?: string | null;
  mitreTechniques?: string[];
  /** ISO-8601 UTC with up to 7 fractional digits. */
  createdDateTime: string;
  lastUpdateDateTime: string;
  resolvedDateTime?: string | null;
  firstActivityDateTime?: string | null;
  lastActivityDateTime?: string | null;
  comments?: Array<{ comment?: string; createdByDisplayName?: string; createdDateTime?: string }>;
  systemTags?: string[];
  evidence?: GraphEvidence[];
  [key: string]: unknown;
}

/** What the Graph source yields to the pipeline: an alert, marked new or an update of one already sent. */
export interface GraphRecord {
  kind: 'new' | 'update';
  alert: GraphAlert;
}

/** One page of `GET /security/alerts_v2`. */
export interface GraphAlertPage {
  value: GraphAlert[];
  '@odata.nextLink'?: string;
  '@odata.count'?: number;
}
