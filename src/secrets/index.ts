// The credential stage's public surface: providers, rotation, redaction and Key Vault expiry notices.
export type { TokenProvider } from './types.js';
export { createTokenProvider, tokenProviderOptionsFromEnv, type TokenProviderOptions, type AuthMode } from './provider.js';
export { StaticTokenProvider, normalizeApiToken, unresolvedReferenceError } from './static-token.js';
export { KeyVaultTokenProvider, DEFAULT_CACHE_TTL_MS, type KeyVaultTokenProviderOptions, type SecretReader } from './keyvault-token.js';
export { EntraTokenProvider, MDCA_ENTRA_SCOPE, type EntraTokenProviderOptions } from './entra-token.js';
export { azureCredential, type CredentialOptions } from './credential.js';
export { parseSecretUri, isKeyVaultReference, describeKeyVaultReference, type SecretLocation } from './keyvault-uri.js';
export { keyVaultError } from './keyvault-errors.js';
export { rotateToken, TOKEN_CONTENT_TYPE, DEFAULT_TOKEN_LIFETIME_DAYS, type RotateTokenOptions, type RotateTokenResult, type SecretWriter } from './rotate.js';
export { redact, redactCredentials, findSecrets, safeMessage, REDACTED } from './redact.js';
export {
  tokenExpiryNoticeFromEvent, describeTokenExpiry, KEYVAULT_EXPIRY_EVENTS,
  type TokenExpiryNotice, type RecordTokenExpiry,
} from './expiry-notice.js';
export { readTokenInput } from './read-token-input.js';
export { sendWithFreshTokenOn401 } from './retry-on-401.js';
