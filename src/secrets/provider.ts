// Builds the TokenProvider the configuration asks for: a static API token, a token in Key Vault, or Entra bearer tokens.
import type { SecretClientOptions } from '@azure/keyvault-secrets';
import type { TokenCredential } from '@azure/identity';
import { RelayError } from '../errors.js';
import type { TokenProvider } from './types.js';
import { StaticTokenProvider } from './static-token.js';
import { KeyVaultTokenProvider, type SecretReader } from './keyvault-token.js';
import { EntraTokenProvider } from './entra-token.js';

export type AuthMode = 'token' | 'entra';

export interface TokenProviderOptions {
  /** 'token' (API token, the default) or 'entra' (Microsoft Entra application / managed identity). */
  auth?: AuthMode;
  /** MDCA_TOKEN: the API token itself (or a Key Vault reference app setting that should have resolved to it). */
  token?: string;
  /** MDCA_TOKEN_SECRET_URI: versionless Key Vault secret URI read at run time. */
  secretUri?: string;
  /** AZURE_CLIENT_ID: user-assigned managed identity (Key Vault and Entra). */
  clientId?: string;
  /** Entra scope; default the Defender for Cloud Apps resource's `/.default`. */
  entraScope?: string;
  /** Injected identity (tests; or a credential the host already built). */
  credential?: TokenCredential;
  /** Key Vault client options (tests point these at a local server: TLS CA, retries, challenge verification). */
  secretClientOptions?: SecretClientOptions;
  secretClient?: SecretReader;
  cacheTtlMs?: number;
  timeoutMs?: number;
  allowLoopbackVault?: boolean;
  now?: () => number;
}

/** The settings this stage reads, from app settings / environment variables. Empty strings count as unset. */
export function tokenProviderOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): TokenProviderOptions {
  const pick = (name: string): string | undefined => (env[name] === undefined || env[name] === '' ? undefined : env[name]);
  const auth = pick('MDCA_AUTH');
  if (auth !== undefined && auth !== 'token' && auth !== 'entra') {
    throw new RelayError('CONFIG_INVALID', 'config', 'MDCA_AUTH must be "token" or "entra"');
  }
  const ttl = pick('MDCA_TOKEN_CACHE_SECONDS');
  let cacheTtlMs: number | undefined;
  if (ttl !== undefined) {
    const seconds = Number(ttl);
    if (!Number.isFinite(seconds) || seconds < 0 || seconds > 86_400) {
      throw new RelayError('CONFIG_INVALID', 'config', 'MDCA_TOKEN_CACHE_SECONDS must be a number of seconds between 0 and 86400');
    }
    cacheTtlMs = seconds * 1000;
  }
  return {
    auth: auth as AuthMode | undefined,
    token: pick('MDCA_TOKEN'),
    secretUri: pick('MDCA_TOKEN_SECRET_URI'),
    clientId: pick('AZURE_CLIENT_ID'),
    cacheTtlMs,
  };
}

/** Validates the choice once, at start-up; the provider's per-request path does no configuration checks. */
export function createTokenProvider(options: TokenProviderOptions): TokenProvider {
  const auth = options.auth ?? 'token';
  if (auth === 'entra') {
    if (options.token !== undefined || options.secretUri !== undefined) {
      throw new RelayError('CONFIG_INVALID', 'config',
        'MDCA_AUTH=entra uses Microsoft Entra tokens: remove MDCA_TOKEN / MDCA_TOKEN_SECRET_URI, or set MDCA_AUTH=token');
    }
    return new EntraTokenProvider({
      credential: options.credential, clientId: options.clientId, scope: options.entraScope,
      timeoutMs: options.timeoutMs, now: options.now,
    });
  }
  if (options.token !== undefined && options.secretUri !== undefined) {
    throw new RelayError('CONFIG_INVALID', 'config', 'set either MDCA_TOKEN or MDCA_TOKEN_SECRET_URI, not both');
  }
  if (options.secretUri !== undefined) {
    return new KeyVaultTokenProvider({
      secretUri: options.secretUri, credential: options.credential, clientId: options.clientId,
      clientOptions: options.secretClientOptions, client: options.secretClient, cacheTtlMs: options.cacheTtlMs,
      timeoutMs: options.timeoutMs, allowLoopbackVault: options.allowLoopbackVault, now: options.now,
    });
  }
  if (options.token !== undefined) return new StaticTokenProvider(options.token);
  throw new RelayError('CONFIG_INVALID', 'config',
    'no API credential configured: set MDCA_TOKEN (or a Key Vault reference to it), MDCA_TOKEN_SECRET_URI, or MDCA_AUTH=entra');
}
