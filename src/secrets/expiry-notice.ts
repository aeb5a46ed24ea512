// Key Vault expiry events (via Event Grid) turned into a notice for the status record and the log.
/**
 * What the status record is told when Key Vault says the token secret is about to expire or has expired.
 * The portal issues API tokens; nothing can mint one automatically, so a person must rotate.
 */
export interface TokenExpiryNotice {
  kind: 'near-expiry' | 'expired';
  /** A Key Vault secret, or a certificate (its secret holds the Graph app's PEM: GRAPH_CLIENT_CERTIFICATE_URI). */
  objectType: 'secret' | 'certificate';
  secretName: string;
  vaultName?: string;
  version?: string;
  expiresOn?: Date;
  /** Which setting names this secret (set by the handler when it watches that setting's secret). */
  setting?: WatchedSetting;
}

/** The settings whose Key Vault secret the relay reads, and so whose expiry it reports. */
export type WatchedSetting = 'MDCA_TOKEN_SECRET_URI' | 'GRAPH_CLIENT_SECRET_URI' | 'GRAPH_CLIENT_CERTIFICATE_URI';

/** Implemented by the state stage: puts the notice into the status record. */
export type RecordTokenExpiry = (notice: TokenExpiryNotice) => Promise<void>;

/** The event types (learn.microsoft.com/azure/event-grid/event-schema-key-vault). */
export const KEYVAULT_EXPIRY_EVENTS: Readonly<Record<string, TokenExpiryNotice['kind']>> = {
  'Microsoft.KeyVault.SecretNearExpiry': 'near-expiry',
  'Microsoft.KeyVault.SecretExpired': 'expired',
  'Microsoft.KeyVault.CertificateNearExpiry': 'near-expiry',
  'Microsoft.KeyVault.CertificateExpired': 'expired',
};

interface EventLike {
  eventType?: string;
  /** CloudEvents schema spells it `type`. */
  type?: string;
  subject?: string;
  data?: Record<string, unknown> | unknown;
}

/**
 * Reads a Key Vault event (Event Grid or CloudEvents schema). Data: { Id, VaultName, ObjectType, ObjectName,
 * Version, NBF, EXP } with EXP in Unix seconds. Undefined for event types that are not about expiry.
 */
export function tokenExpiryNoticeFromEvent(event: EventLike): TokenExpiryNotice | undefined {
  const type = event.eventType ?? event.type ?? '';
  const kind = KEYVAULT_EXPIRY_EVENTS[type];
  if (kind === undefined) return undefined;
  const data = (typeof event.data === 'object' && event.data !== null ? event.data : {}) as Record<string, unknown>;
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
  const secretName = str(data.ObjectName) ?? str(event.subject) ?? 'unknown';
  const exp = typeof data.EXP === 'number' ? data.EXP : typeof data.EXP === 'string' ? Number(data.EXP) : NaN;
  const notice: TokenExpiryNotice = { kind, objectType: type.startsWith('Microsoft.KeyVault.Certificate') ? 'certificate' : 'secret', secretName };
  const vaultName = str(data.VaultName);
  const version = str(data.Version);
  if (vaultName) notice.vaultName = vaultName;
  if (version) notice.version = version;
  if (Number.isFinite(exp) && exp > 0) notice.expiresOn = new Date(exp * 1000);
  return notice;
}

/** What expires, and what a person does about it: nothing can mint a portal token or an app credential automatically. */
const REMEDY: Record<WatchedSetting, { what: string; todo: string }> = {
  MDCA_TOKEN_SECRET_URI: { what: 'The Defender for Cloud Apps API token', todo: 'issue a new token in the portal and run mdca-siem-relay rotate-token' },
  GRAPH_CLIENT_SECRET_URI: { what: "The Microsoft Graph application's client secret (GRAPH_CLIENT_SECRET_URI)", todo: 'add a new client secret to the app registration (GRAPH_CLIENT_ID) and store it as a new version of this secret; the relay reads it at run time' },
  GRAPH_CLIENT_CERTIFICATE_URI: { what: "The Microsoft Graph application's certificate (GRAPH_CLIENT_CERTIFICATE_URI)", todo: 'renew the certificate in Key Vault and add its public certificate to the app registration (GRAPH_CLIENT_ID); the relay reads the new version at run time' },
};

/** One log line for a notice; tells the reader what to do. */
export function describeTokenExpiry(n: TokenExpiryNotice): string {
  const { what, todo } = REMEDY[n.setting ?? 'MDCA_TOKEN_SECRET_URI'];
  const where = `${n.objectType === 'certificate' ? 'certificate' : 'secret'} "${n.secretName}"${n.vaultName ? ` in Key Vault ${n.vaultName}` : ''}`;
  const when = n.expiresOn ? ` (expiry ${n.expiresOn.toISOString()})` : '';
  return `${what} in ${where} ${n.kind === 'expired' ? 'has expired' : 'expires soon'}${when}: ${todo}`;
}
