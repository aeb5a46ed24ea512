// Microsoft Entra bearer tokens for the Defender for Cloud Apps API (an application or managed identity): no token to rotate.
import type { AccessToken, TokenCredential } from '@azure/identity';
import { isRelayError, RelayError } from '../errors.js';
import type { TokenProvider } from './types.js';
import { azureCredential } from './credential.js';
import { safeMessage } from './redact.js';

/**
 * The Defender for Cloud Apps resource (application id 05a65629-4c1b-48c1-a78b-804c4abdd4af), v2 scope form
 * (learn.microsoft.com/defender-cloud-apps/api-authentication-application).
 */
export const MDCA_ENTRA_SCOPE = '05a65629-4c1b-48c1-a78b-804c4abdd4af/.default';

/** Renew this long before expiry so a request never leaves with a token that dies in flight. */
const EXPIRY_MARGIN_MS = 5 * 60_000;

export interface EntraTokenProviderOptions {
  credential?: TokenCredential;
  /** User-assigned managed identity client id (AZURE_CLIENT_ID). */
  clientId?: string;
  scope?: string;
  /** What the token is for, in messages (default: the Defender for Cloud Apps API). */
  api?: string;
  /** What to check when no token comes, in messages (default: the AZURE_* identity settings and the API permission). */
  hint?: string;
  /** Upper bound for one token request. Default 30 s. */
  timeoutMs?: number;
  now?: () => number;
}

export class EntraTokenProvider implements TokenProvider {
  readonly kind = 'entra' as const;
  readonly scope: string;
  readonly #credential: TokenCredential;
  readonly #timeoutMs: number;
  readonly #now: () => number;
  readonly #api: string;
  readonly #hint: string;
  #token: AccessToken | undefined;
  #inflight: Promise<AccessToken> | undefined;
  readonly #seen: string[] = [];

  constructor(options: EntraTokenProviderOptions = {}) {
    this.scope = options.scope ?? MDCA_ENTRA_SCOPE;
    this.#credential = options.credential ?? azureCredential({ clientId: options.clientId });
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#now = options.now ?? Date.now;
    this.#api = options.api ?? 'the Defender for Cloud Apps API';
    this.#hint = options.hint ?? 'Check the application\'s or managed identity\'s credentials (AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_CLIENT_SECRET) and that it is granted the API permission';
  }

  async authorization(): Promise<string> {
    const t = this.#token;
    if (t && this.#now() < this.#renewAt(t)) return `Bearer ${t.token}`;
    return `Bearer ${(await this.#get()).token}`;
  }

  /** Asks the identity library again. MSAL may hand back the same cached token: then false (nothing new to try). */
  async refresh(): Promise<boolean> {
    const before = this.#token?.token;
    this.#token = undefined;
    const now = await this.#get();
    return before !== undefined && now.token !== before;
  }

  secrets(): readonly string[] {
    return [...this.#seen];
  }

  #renewAt(t: AccessToken): number {
    // The identity library says when it would refresh (refreshAfterTimestamp); otherwise keep a margin before expiry.
    return t.refreshAfterTimestamp ?? t.expiresOnTimestamp - EXPIRY_MARGIN_MS;
  }

  #get(): Promise<AccessToken> {
    this.#inflight ??= this.#fetch().finally(() => {
      this.#inflight = undefined;
    });
    return this.#inflight;
  }

  async #fetch(): Promise<AccessToken> {
    let token: AccessToken | null;
    try {
      token = await this.#credential.getToken(this.scope, { abortSignal: AbortSignal.timeout(this.#timeoutMs) });
    } catch (err) {
      // A credential that reads its own secret (Key Vault) already says what failed and how to fix it.
      if (isRelayError(err)) throw err;
      throw new RelayError('SECRET_UNAVAILABLE', 'secret',
        `could not get a Microsoft Entra token for ${this.#api} (scope ${this.scope}): ${safeMessage(err, this.#seen, 300)}. ${this.#hint}`,
        { cause: new Error(safeMessage(err, this.#seen, 500)) });
    }
    if (!token || !token.token) {
      throw new RelayError('SECRET_UNAVAILABLE', 'secret', `the identity returned no Microsoft Entra token for scope ${this.scope}`);
    }
    if (!this.#seen.includes(token.token)) {
      this.#seen.push(token.token);
      if (this.#seen.length > 4) this.#seen.shift();
    }
    this.#token = token;
    return token;
  }
}
