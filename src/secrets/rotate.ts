// Rotation: check a new API token against the API, then store it as the secret's new Key Vault version.
import type { SecretClientOptions, KeyVaultSecret, GetSecretOptions, SetSecretOptions } from '@azure/keyvault-secrets';
import { lazySecretClient } from './keyvault-token.js';
import type { TokenCredential } from '@azure/identity';
import { RelayError, isRelayError } from '../errors.js';
import { parseSecretUri } from './keyvault-uri.js';
import { azureCredential } from './credential.js';
import { keyVaultError } from './keyvault-errors.js';
import { normalizeApiToken } from './static-token.js';
import { safeMessage } from './redact.js';

/** The part of SecretClient rotation needs. */
export interface SecretWriter {
  getSecret(name: string, options?: GetSecretOptions): Promise<KeyVaultSecret>;
  setSecret(name: string, value: string, options?: SetSecretOptions): Promise<KeyVaultSecret>;
}

export interface RotateTokenOptions {
  /** Versionless secret URI (MDCA_TOKEN_SECRET_URI). */
  secretUri: string;
  /** The new token, read from stdin by the CLI (never argv or the environment: both are visible to other processes). */
  newToken: string;
  /** Proves the token works, e.g. a one-item alerts request; throws when it does not. */
  verify: (token: string) => Promise<void>;
  client?: SecretWriter;
  credential?: TokenCredential;
  clientId?: string;
  clientOptions?: SecretClientOptions;
  /** Expiry written on the new version; Key Vault raises SecretNearExpiry 30 days before it. Default now + 180 days. */
  expiresOn?: Date;
  contentType?: string;
  timeoutMs?: number;
  allowLoopbackVault?: boolean;
  now?: () => number;
}

export interface RotateTokenResult {
  vaultHost: string;
  secretName: string;
  /** The version now current. */
  version: string | undefined;
  /** The version that was current before, when there was one. */
  previousVersion: string | undefined;
  expiresOn: Date;
  /** Whether a read-back saw the new version as current (false if someone wrote in between, or the read failed). */
  confirmed: boolean;
}

export const DEFAULT_TOKEN_LIFETIME_DAYS = 180;
export const TOKEN_CONTENT_TYPE = 'text/plain; purpose=mdca-api-token';

/**
 * Order matters: validate, verify against the API, read the current version, then write. Every failure before the
 * write leaves Key Vault untouched; a failed write creates no version (Key Vault's set is atomic), so the current
 * version stays current. Errors never contain the token.
 */
export async function rotateToken(options: RotateTokenOptions): Promise<RotateTokenResult> {
  const location = parseSecretUri(options.secretUri, { allowLoopbackVault: options.allowLoopbackVault });
  const token = normalizeApiToken(options.newToken, 'the new token');
  const now = (options.now ?? Date.now)();
  const expiresOn = options.expiresOn ?? new Date(now + DEFAULT_TOKEN_LIFETIME_DAYS * 86_400_000);
  if (Number.isNaN(expiresOn.getTime()) || expiresOn.getTime() <= now) {
    throw new RelayError('CONFIG_INVALID', 'config', 'the expiry for the new token version must be a date in the future');
  }
  const timeoutMs = options.timeoutMs ?? 30_000;
  const { secretName, vaultHost } = location;
  const secrets = [token];

  try {
    await options.verify(token);
  } catch (err) {
    const code = isRelayError(err) ? err.code : 'TOKEN_REJECTED';
    const stage = isRelayError(err) ? err.stage : 'fetch';
    throw new RelayError(code, stage,
      `the new token did not work against the API, so Key Vault was not changed: ${safeMessage(err, secrets, 300)}`);
  }

  const client = options.client ?? lazySecretClient(location.vaultUrl, options.credential ?? azureCredential({ clientId: options.clientId }), options.clientOptions);
  const context = { vaultHost, secretName, timeoutMs, secrets };

  let previousVersion: string | undefined;
  try {
    const current = await client.getSecret(secretName, { abortSignal: AbortSignal.timeout(timeoutMs) });
    previousVersion = current.properties.version;
  } catch (err) {
    // No secret yet is fine (first rotation creates it); any other failure stops before writing.
    if (!(err instanceof Error && 'statusCode' in err && err.statusCode === 404)) {
      throw keyVaultError(err, { ...context, action: 'read' });
    }
  }

  let written: KeyVaultSecret;
  try {
    written = await client.setSecret(secretName, token, {
      expiresOn,
      contentType: options.contentType ?? TOKEN_CONTENT_TYPE,
      enabled: true,
      abortSignal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    const e = keyVaultError(err, { ...context, action: 'write' });
    throw new RelayError(e.code, e.stage, `${e.message}; the current version${previousVersion ? ` (${previousVersion})` : ''} is unchanged`, { cause: e.cause });
  }

  let confirmed = false;
  try {
    const check = await client.getSecret(secretName, { abortSignal: AbortSignal.timeout(timeoutMs) });
    confirmed = check.properties.version === written.properties.version && check.value === token;
  } catch {
    // The write succeeded; a failed read-back only means we could not confirm it.
  }
  return { vaultHost, secretName, version: written.properties.version, previousVersion, expiresOn, confirmed };
}
