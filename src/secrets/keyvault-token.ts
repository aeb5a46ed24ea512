// The API token read from Key Vault at run time (MDCA_TOKEN_SECRET_URI), cached briefly, re-read after a 401.
import type { SecretClientOptions, KeyVaultSecret, GetSecretOptions } from '@azure/keyvault-secrets';
import type { TokenCredential } from '@azure/identity';
import type { TokenProvider } from './types.js';
import { parseSecretUri, type SecretLocation } from './keyvault-uri.js';
import { azureCredential } from './credential.js';
import { keyVaultError } from './keyvault-errors.js';
import { normalizeApiToken } from './static-token.js';

/** The part of SecretClient the reader needs (tests may pass a real SecretClient pointed at a local server). */
export interface SecretReader {
  getSecret(name: string, options?: GetSecretOptions): Promise<KeyVaultSecret>;
}

export interface KeyVaultTokenProviderOptions {
  /** Versionless https://<vault>.vault.azure.net/secrets/<name>. */
  secretUri: string;
  /** Identity for Key Vault; default: managed identity in Azure, DefaultAzureCredential elsewhere. */
  credential?: TokenCredential;
  /** User-assigned managed identity client id (AZURE_CLIENT_ID). */
  clientId?: string;
  /** SecretClient options (retry, TLS, disableChallengeResourceVerification for a local stand-in). */
  clientOptions?: SecretClientOptions;
  /** A ready client; overrides credential/clientOptions. */
  client?: SecretReader;
  /** How long a read value is trusted before Key Vault is asked again. Default 5 minutes. */
  cacheTtlMs?: number;
  /** Upper bound for one read, retries included. Default 30 s. */
  timeoutMs?: number;
  /** Accept a loopback vault URL (tests). */
  allowLoopbackVault?: boolean;
  now?: () => number;
}

export const DEFAULT_CACHE_TTL_MS = 5 * 60_000;
export const DEFAULT_KEYVAULT_TIMEOUT_MS = 30_000;
/** Old values stay redacted after a rotation: an old token may still appear in a late log line. */
const REMEMBERED_VALUES = 8;

/** A SecretClient created on first use: the Key Vault SDK is loaded only when a secret is read. */
export function lazySecretClient(vaultUrl: string, credential: TokenCredential, clientOptions?: SecretClientOptions): SecretReader & { setSecret: import('@azure/keyvault-secrets').SecretClient['setSecret'] } {
  let client: Promise<import('@azure/keyvault-secrets').SecretClient> | undefined;
  const get = () => (client ??= import('@azure/keyvault-secrets').then(({ SecretClient }) => new SecretClient(vaultUrl, credential, clientOptions)));
  return {
    getSecret: async (name, options) => (await get()).getSecret(name, options),
    setSecret: async (name, value, options) => (await get()).setSecret(name, value, options),
  };
}

interface Cached {
  token: string;
  version: string | undefined;
  readAt: number;
}

export class KeyVaultTokenProvider implements TokenProvider {
  readonly kind = 'key-vault' as const;
  readonly location: SecretLocation;
  readonly #client: SecretReader;
  readonly #ttl: number;
  readonly #timeoutMs: number;
  readonly #now: () => number;
  #cached: Cached | undefined;
  #inflight: Promise<Cached> | undefined;
  readonly #seen: string[] = [];

  constructor(options: KeyVaultTokenProviderOptions) {
    this.location = parseSecretUri(options.secretUri, { allowLoopbackVault: options.allowLoopbackVault });
    this.#ttl = options.cacheTtlMs ?? DEFAULT_CACHE_TTL_MS;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_KEYVAULT_TIMEOUT_MS;
    this.#now = options.now ?? Date.now;
    this.#client = options.client ?? lazySecretClient(this.location.vaultUrl, options.credential ?? azureCredential({ clientId: options.clientId }), options.clientOptions);
  }

  async authorization(): Promise<string> {
    const cached = this.#cached;
    if (cached && this.#now() - cached.readAt < this.#ttl) return `Token ${cached.token}`;
    return `Token ${(await this.#read()).token}`;
  }

  /** Drops the cache and reads the current version once; true when the token changed (a rotation happened). */
  async refresh(): Promise<boolean> {
    const before = this.#cached?.token;
    this.#cached = undefined;
    const now = await this.#read();
    return before !== undefined && now.token !== before;
  }

  secrets(): readonly string[] {
    return [...this.#seen];
  }

  /** The Key Vault version of the token in use (for the status record); undefined before the first read. */
  currentVersion(): string | undefined {
    return this.#cached?.version;
  }

  // Concurrent callers (alerts and activities hitting a 401 together) share one read.
  #read(): Promise<Cached> {
    this.#inflight ??= this.#fetch().finally(() => {
      this.#inflight = undefined;
    });
    return this.#inflight;
  }

  async #fetch(): Promise<Cached> {
    const { secretName, vaultHost } = this.location;
    const context = { action: 'read' as const, vaultHost, secretName, timeoutMs: this.#timeoutMs, secrets: this.#seen };
    let secret: KeyVaultSecret;
    try {
      secret = await this.#client.getSecret(secretName, { abortSignal: AbortSignal.timeout(this.#timeoutMs) });
    } catch (err) {
      throw keyVaultError(err, context);
    }
    if (secret.properties.enabled === false) {
      throw keyVaultError(new Error('the current version of the secret is disabled'), context);
    }
    const token = normalizeApiToken(secret.value ?? '', `The Key Vault secret "${secretName}"`, 'SECRET_UNAVAILABLE');
    if (!this.#seen.includes(token)) {
      this.#seen.push(token);
      if (this.#seen.length > REMEMBERED_VALUES) this.#seen.shift();
    }
    const cached: Cached = { token, version: secret.properties.version, readAt: this.#now() };
    this.#cached = cached;
    return cached;
  }
}
