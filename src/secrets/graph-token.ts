// App-only Microsoft Graph tokens (`<endpoint>/.default`, application permission SecurityAlert.Read.All):
// the Function's managed identity, an app registration's client secret or certificate read from Key Vault
// at run time (a rotation needs no redeploy), or a static GRAPH_TOKEN for local use and tests.
import type { ClientCertificateCredentialOptions, GetTokenOptions, AccessToken, TokenCredential } from '@azure/identity';
import type { SecretClientOptions } from '@azure/keyvault-secrets';
import type { GraphAuthConfig } from '../config/types.js';
import { RelayError } from '../errors.js';
import { azureCredential } from './credential.js';
import { EntraTokenProvider } from './entra-token.js';
import { keyVaultError } from './keyvault-errors.js';
import { DEFAULT_CACHE_TTL_MS, DEFAULT_KEYVAULT_TIMEOUT_MS, lazySecretClient, type SecretReader } from './keyvault-token.js';
import { parseSecretUri, type SecretLocation } from './keyvault-uri.js';
import { safeMessage } from './redact.js';
import { normalizeApiToken } from './static-token.js';
import type { TokenProvider } from './types.js';

const GRANT_HINT =
  'Check that the identity is granted the Microsoft Graph application permission SecurityAlert.Read.All (docs/graph.md) ' +
  'and, for an app registration, GRAPH_TENANT_ID, GRAPH_CLIENT_ID and the secret or certificate in Key Vault';

export interface GraphTokenProviderOptions {
  auth: GraphAuthConfig;
  /** `<endpoint>/.default`. */
  scope: string;
  /** Entra authority host for an app registration's secret or certificate. */
  authorityHost: string;
  /** AZURE_CLIENT_ID: the user-assigned identity that reads Key Vault (and is the managed identity mode's identity). */
  identityClientId?: string;
  /** The identity that reads Key Vault, or the managed identity itself (tests; a host-built credential). */
  credential?: TokenCredential;
  /** Key Vault client options (tests: a local vault's TLS CA, retries, challenge verification). */
  secretClientOptions?: SecretClientOptions;
  secretClient?: SecretReader;
  allowLoopbackVault?: boolean;
  /** Options for the app registration's credential (tests: `tlsOptions` trusting a local authority). */
  appCredentialOptions?: ClientCertificateCredentialOptions;
  /** How long a secret read from Key Vault is trusted before it is read again. Default 5 minutes. */
  cacheTtlMs?: number;
  timeoutMs?: number;
  now?: () => number;
}

/** GRAPH_TOKEN: `Authorization: Bearer <token>` (a pasted `Bearer ` prefix is accepted). */
export class StaticBearerProvider implements TokenProvider {
  readonly kind = 'static-bearer' as const;
  readonly #token: string;

  constructor(raw: string, setting = 'GRAPH_TOKEN') {
    this.#token = normalizeApiToken(raw.trim().replace(/^bearer\s+/i, ''), setting);
  }

  authorization(): Promise<string> {
    return Promise.resolve(`Bearer ${this.#token}`);
  }

  refresh(): Promise<boolean> {
    return Promise.resolve(false);
  }

  secrets(): readonly string[] {
    return [this.#token];
  }
}

interface AppCredential {
  version: string | undefined;
  readAt: number;
  credential: TokenCredential;
}

/** Old secret values stay redacted after a rotation: a late log line may still quote one. */
const REMEMBERED_VALUES = 8;

/**
 * An app registration's credential whose secret (or PEM certificate) lives in Key Vault. The secret is read again
 * after `cacheTtlMs` and whenever Entra refuses it (the old secret was removed after a rotation); a new version
 * builds a new credential, so the next token comes from the rotated secret without a restart.
 */
class KeyVaultAppCredential implements TokenCredential {
  readonly #location: SecretLocation;
  readonly #setting: string;
  readonly #client: SecretReader;
  readonly #build: (secret: string) => Promise<TokenCredential>;
  readonly #ttl: number;
  readonly #timeoutMs: number;
  readonly #now: () => number;
  readonly #seen: string[] = [];
  #current: AppCredential | undefined;
  #inflight: Promise<AppCredential> | undefined;

  constructor(setting: string, uri: string, build: (secret: string) => Promise<TokenCredential>, options: GraphTokenProviderOptions) {
    this.#setting = setting;
    this.#location = parseSecretUri(uri, { setting, allowLoopbackVault: options.allowLoopbackVault });
    this.#build = build;
    this.#ttl = options.cacheTtlMs ?? DEFAULT_CACHE_TTL_MS;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_KEYVAULT_TIMEOUT_MS;
    this.#now = options.now ?? Date.now;
    this.#client =
      options.secretClient ??
      lazySecretClient(this.#location.vaultUrl, options.credential ?? azureCredential({ clientId: options.identityClientId }), options.secretClientOptions);
  }

  secrets(): readonly string[] {
    return [...this.#seen];
  }

  async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> {
    const current = this.#current && this.#now() - this.#current.readAt < this.#ttl ? this.#current : await this.#read();
    try {
      return await current.credential.getToken(scopes, options);
    } catch (err) {
      // Entra refused the secret: it may have been rotated (and the old one removed) since it was read.
      const fresh = await this.#read();
      if (fresh.version === current.version) throw err;
      return fresh.credential.getToken(scopes, options);
    }
  }

  #read(): Promise<AppCredential> {
    this.#inflight ??= this.#fetch().finally(() => {
      this.#inflight = undefined;
    });
    return this.#inflight;
  }

  async #fetch(): Promise<AppCredential> {
    const { secretName, vaultHost } = this.#location;
    const context = { action: 'read' as const, vaultHost, secretName, timeoutMs: this.#timeoutMs, secrets: this.#seen, setting: this.#setting };
    let value: string;
    let version: string | undefined;
    try {
      const secret = await this.#client.getSecret(secretName, { abortSignal: AbortSignal.timeout(this.#timeoutMs) });
      if (secret.properties.enabled === false) throw new Error('the current version of the secret is disabled');
      value = (secret.value ?? '').trim();
      version = secret.properties.version;
    } catch (err) {
      throw keyVaultError(err, context);
    }
    if (value === '') throw new RelayError('SECRET_UNAVAILABLE', 'secret', `the Key Vault secret "${secretName}" (${this.#setting}) is empty`);
    if (!this.#seen.includes(value)) {
      this.#seen.push(value);
      if (this.#seen.length > REMEMBERED_VALUES) this.#seen.shift();
    }
    const same = this.#current;
    if (same && same.version === version && version !== undefined) {
      this.#current = { ...same, readAt: this.#now() };
      return this.#current;
    }
    let credential: TokenCredential;
    try {
      credential = await this.#build(value);
    } catch (err) {
      throw new RelayError('SECRET_UNAVAILABLE', 'secret', `the Key Vault secret "${secretName}" (${this.#setting}) is not a usable credential: ${safeMessage(err, this.#seen, 200)}`);
    }
    this.#current = { version, readAt: this.#now(), credential };
    return this.#current;
  }
}

/** Builds the provider the configuration asks for; configuration was validated by loadConfig. */
export function createGraphTokenProvider(options: GraphTokenProviderOptions): TokenProvider {
  const { auth, scope } = options;
  const entra = (credential: TokenCredential) =>
    new EntraTokenProvider({ credential, scope, api: 'Microsoft Graph', hint: GRANT_HINT, timeoutMs: options.timeoutMs, now: options.now });
  if (auth.mode === 'token') return new StaticBearerProvider(auth.token);
  if (auth.mode === 'managed-identity') return entra(options.credential ?? azureCredential({ clientId: auth.clientId ?? options.identityClientId }));

  // The application's own authority (sovereign clouds have their own); instance discovery would ask the public
  // cloud's metadata endpoint about it, so the authority is trusted as configured.
  const appOptions: ClientCertificateCredentialOptions = { authorityHost: options.authorityHost, disableInstanceDiscovery: true, ...options.appCredentialOptions };
  const { tenantId, clientId } = auth;
  const app =
    auth.mode === 'client-secret'
      ? new KeyVaultAppCredential('GRAPH_CLIENT_SECRET_URI', auth.secretUri, async (secret) => new (await import('@azure/identity')).ClientSecretCredential(tenantId, clientId, secret, appOptions), options)
      : new KeyVaultAppCredential('GRAPH_CLIENT_CERTIFICATE_URI', auth.certificateUri, async (pem) => {
          if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem) || !/-----BEGIN CERTIFICATE-----/.test(pem)) {
            throw new Error('expected PEM holding the private key and the certificate (a Key Vault certificate\'s secret with content type application/x-pem-file)');
          }
          return new (await import('@azure/identity')).ClientCertificateCredential(tenantId, clientId, { certificate: pem }, appOptions);
        }, options);
  const tokens = entra(app);
  return {
    authorization: () => tokens.authorization(),
    refresh: () => tokens.refresh(),
    secrets: () => [...tokens.secrets(), ...app.secrets()],
  };
}
