// Key Vault expiry events (via Event Grid) turned into a notice for the status record and the log.
/**
 * What the status record is told when Key Vault says the token secret is about to expire or has expired.
 * The portal issues API tokens; nothing can mint one automatically, so a person must rotate.
 */
export interface TokenExpiryNotice {
  kind: 'near-expiry' | 'expired';
  secretName: string;
  vaultName?: string;
  version?: string;
  expiresOn?: Date;
}

/** Implemented by the state stage: puts the notice into the status record. */
export type RecordTokenExpiry = (notice: TokenExpiryNotice) => Promise<void>;

/** The event types (learn.microsoft.com/azure/event-grid/event-schema-key-vault). */
export const KEYVAULT_EXPIRY_EVENTS: Readonly<Record<string, TokenExpiryNotice['kind']>> = {
  'Microsoft.KeyVault.SecretNearExpiry': 'near-expiry',
  'Microsoft.KeyVault.SecretExpired': 'expired',
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
  const kind = KEYVAULT_EXPIRY_EVENTS[event.eventType ?? event.type ?? ''];
  if (kind === undefined) return undefined;
  const data = (typeof event.data === 'object' && event.data !== null ? event.data : {}) as Record<string, unknown>;
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
  const secretName = str(data.ObjectName) ?? str(event.subject) ?? 'unknown';
  const exp = typeof data.EXP === 'number' ? data.EXP : typeof data.EXP === 'string' ? Number(data.EXP) : NaN;
  const notice: TokenExpiryNotice = { kind, secretName };
  const vaultName = str(data.VaultName);
  const version = str(data.Version);
  if (vaultName) notice.vaultName = vaultName;
  if (version) notice.version = version;
  if (Number.isFinite(exp) && exp > 0) notice.expiresOn = new Date(exp * 1000);
  return notice;
}

/** One log line for a notice; tells the reader what to do. */
export function describeTokenExpiry(n: TokenExpiryNotice): string {
  const where = `secret "${n.secretName}"${n.vaultName ? ` in Key Vault ${n.vaultName}` : ''}`;
  const when = n.expiresOn ? ` (expiry ${n.expiresOn.toISOString()})` : '';
  return n.kind === 'expired'
    ? `The Defender for Cloud Apps API token in ${where} has expired${when}: issue a new token in the portal and run mdca-siem-relay rotate-token`
    : `The Defender for Cloud Apps API token in ${where} expires soon${when}: issue a new token in the portal and run mdca-siem-relay rotate-token`;
}
