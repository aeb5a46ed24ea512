// Parses MDCA_TOKEN_SECRET_URI and Key Vault reference strings; error messages never echo a value that is not a URI.
import { RelayError } from '../errors.js';

/** Where a secret lives: the vault's base URL (what SecretClient takes) and the secret's name. */
export interface SecretLocation {
  vaultUrl: string;
  vaultHost: string;
  secretName: string;
}

// Key Vault DNS suffixes of the public and sovereign clouds
// (learn.microsoft.com/azure/key-vault/general/about-keys-secrets-certificates#dns-suffixes-for-object-identifiers).
const VAULT_SUFFIXES = ['.vault.azure.net', '.vault.azure.cn', '.vault.usgovcloudapi.net', '.vault.microsoftazure.de'];
// Vault names: 3-24 characters, letters, digits and hyphens, starting with a letter.
const VAULT_NAME = /^[a-z][a-z0-9-]{1,22}[a-z0-9]$/i;
// Secret names: 1-127 letters, digits and hyphens (Key Vault object naming rules).
const SECRET_NAME = /^[0-9a-zA-Z-]{1,127}$/;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

export interface ParseSecretUriOptions {
  /** Which setting the URI came from, for messages. */
  setting?: string;
  /** Accept https://127.0.0.1:<port>/secrets/<name> (tests, a local Key Vault stand-in). */
  allowLoopbackVault?: boolean;
}

/** A reference app setting (`@Microsoft.KeyVault(...)`) that App Service could not resolve reaches code verbatim. */
export function isKeyVaultReference(value: string): boolean {
  return /^\s*@Microsoft\.KeyVault\s*\(/i.test(value);
}

/**
 * Validates a versionless secret URI: `https://<vault>.vault.azure.net/secrets/<name>`.
 * A versioned URI is refused: it pins one token forever and a rotation would never be seen.
 */
export function parseSecretUri(value: string, options: ParseSecretUriOptions = {}): SecretLocation {
  const setting = options.setting ?? 'MDCA_TOKEN_SECRET_URI';
  const expected = `expected https://<vault>.vault.azure.net/secrets/<name>`;
  const text = value.trim();
  if (text === '') throw new RelayError('CONFIG_INVALID', 'config', `${setting} is empty: ${expected}`);
  if (isKeyVaultReference(text)) {
    throw new RelayError('CONFIG_INVALID', 'config',
      `${setting} takes the plain secret URI, not a Key Vault reference (@Microsoft.KeyVault(...)): ${expected}`);
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    // Not a URL: it might be a token pasted in the wrong setting, so say nothing about its content.
    throw new RelayError('CONFIG_INVALID', 'config', `${setting} is not a URL: ${expected}`);
  }
  const host = url.host.toLowerCase();
  const shown = `${url.protocol}//${host}${url.pathname}`;
  if (url.protocol !== 'https:') {
    throw new RelayError('CONFIG_INVALID', 'config', `${setting} must use https (got ${shown}): ${expected}`);
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new RelayError('CONFIG_INVALID', 'config', `${setting} must not carry credentials, a query or a fragment (got ${shown}): ${expected}`);
  }
  const loopback = options.allowLoopbackVault === true && LOOPBACK_HOSTS.has(url.hostname.toLowerCase());
  if (!loopback) {
    const suffix = VAULT_SUFFIXES.find((s) => url.hostname.toLowerCase().endsWith(s));
    const vaultName = suffix ? url.hostname.slice(0, -suffix.length) : '';
    if (!suffix || !VAULT_NAME.test(vaultName) || url.port !== '') {
      throw new RelayError('CONFIG_INVALID', 'config', `${setting} does not name a Key Vault host (got ${shown}): ${expected}`);
    }
  }
  const parts = url.pathname.split('/').filter((p) => p !== '');
  if (parts[0] !== 'secrets' || parts.length < 2 || parts.length > 3) {
    throw new RelayError('CONFIG_INVALID', 'config', `${setting} does not point at a secret (got ${shown}): ${expected}`);
  }
  const secretName = parts[1] ?? '';
  if (!SECRET_NAME.test(secretName)) {
    throw new RelayError('CONFIG_INVALID', 'config', `${setting} has an invalid secret name (letters, digits and hyphens only; got ${shown})`);
  }
  if (parts.length === 3) {
    throw new RelayError('CONFIG_INVALID', 'config',
      `${setting} names a secret version (${shown}); use the versionless URI ${url.protocol}//${host}/secrets/${secretName} ` +
        'so that a rotated token is picked up without a redeploy');
  }
  return { vaultUrl: `https://${host}`, vaultHost: host, secretName };
}

/**
 * What a Key Vault reference points at (SecretUri=... or VaultName=...;SecretName=...), for an error message.
 * Only URI-shaped parts are returned; anything else becomes undefined.
 */
export function describeKeyVaultReference(value: string): string | undefined {
  const inner = /@Microsoft\.KeyVault\s*\((.*)\)\s*$/is.exec(value.trim())?.[1];
  if (inner === undefined) return undefined;
  const fields = new Map<string, string>();
  for (const part of inner.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim());
  }
  const uri = fields.get('secreturi');
  if (uri !== undefined) {
    try {
      const url = new URL(uri);
      if (url.protocol === 'https:') return `${url.protocol}//${url.host}${url.pathname}`;
    } catch {
      return undefined;
    }
    return undefined;
  }
  const vault = fields.get('vaultname');
  const name = fields.get('secretname');
  if (vault && name && VAULT_NAME.test(vault) && SECRET_NAME.test(name)) return `vault ${vault}, secret ${name}`;
  return undefined;
}
