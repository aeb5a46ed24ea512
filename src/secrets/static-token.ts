// The API token given directly (MDCA_TOKEN, possibly via a Key Vault reference app setting): `Authorization: Token <t>`.
import { RelayError } from '../errors.js';
import type { TokenProvider } from './types.js';
import { describeKeyVaultReference, isKeyVaultReference } from './keyvault-uri.js';

/**
 * The message for a Key Vault reference that App Service could not resolve. App Service passes the literal
 * `@Microsoft.KeyVault(...)` string through when resolution fails
 * (learn.microsoft.com/azure/app-service/app-service-key-vault-references#troubleshooting-key-vault-references).
 */
export function unresolvedReferenceError(setting: string, value: string): RelayError {
  const target = describeKeyVaultReference(value);
  return new RelayError(
    'SECRET_REFERENCE_UNRESOLVED',
    'secret',
    `${setting} holds an unresolved Key Vault reference (@Microsoft.KeyVault(...)${target ? ` pointing at ${target}` : ''}): ` +
      'the platform could not read the secret, so no token reached the relay. Usual causes: the app identity lacks the ' +
      '"Key Vault Secrets User" role on the vault (or keyVaultReferenceIdentity names another identity); the vault firewall ' +
      'or private endpoint does not admit the app (VNet integration and DNS for privatelink.vaultcore.azure.net); ' +
      'the reference URI is wrong (vault name, secret name, or a deleted/disabled secret). ' +
      'Check "Key Vault reference" status in the portal (Configuration > app setting), or use MDCA_TOKEN_SECRET_URI instead.',
  );
}

/**
 * Turns what a person pasted or stored into the bare token: trims, accepts a pasted `Token ` prefix, and refuses
 * whitespace or control characters inside (they would corrupt the header). Messages never include the value.
 */
export function normalizeApiToken(raw: string, source: string, code: 'CONFIG_INVALID' | 'SECRET_UNAVAILABLE' = 'CONFIG_INVALID'): string {
  const stage = code === 'CONFIG_INVALID' ? 'config' : 'secret';
  if (isKeyVaultReference(raw)) throw unresolvedReferenceError(source, raw);
  let token = raw.trim();
  if (/^token\s+/i.test(token)) token = token.replace(/^token\s+/i, '');
  if (token === '') throw new RelayError(code, stage, `${source} is empty: no API token to send`);
  if (/[\s\x00-\x1f\x7f]/.test(token)) {
    throw new RelayError(code, stage, `${source} contains whitespace or control characters inside the token; copy the token again`);
  }
  if (!/^[\x21-\x7e]+$/.test(token)) {
    throw new RelayError(code, stage, `${source} contains characters that cannot go in an HTTP header; copy the token again`);
  }
  return token;
}

export class StaticTokenProvider implements TokenProvider {
  readonly kind = 'static-token' as const;
  readonly #token: string;

  constructor(raw: string, setting = 'MDCA_TOKEN') {
    this.#token = normalizeApiToken(raw, setting);
  }

  authorization(): Promise<string> {
    return Promise.resolve(`Token ${this.#token}`);
  }

  /** Nothing to re-read: a static token is what it is. */
  refresh(): Promise<boolean> {
    return Promise.resolve(false);
  }

  secrets(): readonly string[] {
    return [this.#token];
  }
}
