// Maps Key Vault SDK and identity failures to RelayError SECRET_UNAVAILABLE with a cause a person can act on.
import { RelayError } from '../errors.js';
import { safeMessage } from './redact.js';

export interface KeyVaultErrorContext {
  action: 'read' | 'write';
  vaultHost: string;
  secretName: string;
  timeoutMs?: number;
  /** Values to strip from any text that comes back from the service. */
  secrets?: readonly string[];
  /** The setting that names the secret, for a 404 (default MDCA_TOKEN_SECRET_URI). */
  setting?: string;
}

const IDENTITY_ERRORS = new Set(['CredentialUnavailableError', 'AuthenticationError', 'AggregateAuthenticationError', 'AuthenticationRequiredError']);
// Node's TLS verification failures (CERT_*, *_SELF_SIGNED_*, UNABLE_TO_VERIFY_*, ERR_TLS_*, ERR_SSL_*).
const TLS_CODE = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|ERR_SSL/;
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'REQUEST_SEND_ERROR', 'EPROTO', 'CERT_HAS_EXPIRED', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE']);

function serviceDetail(err: { code?: string; message: string }, secrets: readonly string[]): string {
  // Key Vault's error body (code + message) is useful ("ForbiddenByFirewall", "SecretDisabled"); keep it short.
  const code = err.code && !NETWORK_CODES.has(err.code) ? `${err.code}: ` : '';
  return safeMessage(`${code}${err.message}`, secrets, 240);
}

/** One error for every way reading or writing the token secret can fail. Never includes a token. */
export function keyVaultError(err: unknown, ctx: KeyVaultErrorContext): RelayError {
  const where = `secret "${ctx.secretName}" in Key Vault ${ctx.vaultHost}`;
  const verb = ctx.action === 'read' ? 'read' : 'write';
  const secrets = ctx.secrets ?? [];
  const cause = new Error(safeMessage(err, secrets, 500));
  let message: string;
  if (err instanceof RelayError) return err;
  if (err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError')) {
    message = `Key Vault did not answer within ${ctx.timeoutMs ?? '?'} ms when asked to ${verb} ${where}: ` +
      'the vault is unreachable from this network (firewall, private endpoint, DNS) or overloaded';
  } else if (err instanceof Error && IDENTITY_ERRORS.has(err.name)) {
    message = `no Azure identity could get a Key Vault access token to ${verb} ${where}: ${safeMessage(err, secrets, 240)}. ` +
      'In Azure, enable the managed identity and set AZURE_CLIENT_ID to the user-assigned identity\'s client id; ' +
      'locally, sign in with `az login`';
  } else if (isRestError(err)) {
    const status = err.statusCode;
    if (status === undefined && err.code !== undefined && TLS_CODE.test(err.code)) {
      message = `the TLS connection to Key Vault ${ctx.vaultHost} failed (${err.code}) when trying to ${verb} secret "${ctx.secretName}": ` +
        'the certificate is not trusted; is a proxy or firewall intercepting TLS on this network?';
    } else if (status === undefined) {
      message = `Key Vault ${ctx.vaultHost} is unreachable (${err.code ?? 'network error'}) when trying to ${verb} secret "${ctx.secretName}": ` +
        'check the vault\'s firewall and private endpoint, and that its name resolves from this network';
    } else if (status === 401) {
      message = `Key Vault rejected the identity's access token (401) to ${verb} ${where}: the identity may belong to another tenant`;
    } else if (status === 403) {
      const role = ctx.action === 'read' ? 'Key Vault Secrets User' : 'Key Vault Secrets Officer';
      message = `Key Vault denied access (403) to ${verb} ${where}: give the app's identity the "${role}" role on the vault, ` +
        `and check that the vault firewall / private endpoint admits this app (${serviceDetail(err, secrets)})`;
    } else if (status === 404) {
      message = `${where} was not found (404): check ${ctx.setting ?? 'MDCA_TOKEN_SECRET_URI'} (vault and secret name), ` +
        'and that the secret was not deleted';
    } else if (status === 429) {
      message = `Key Vault throttled the request (429) to ${verb} ${where}: too many requests to the vault; try again shortly`;
    } else if (status >= 500) {
      message = `Key Vault failed (HTTP ${status}) to ${verb} ${where}: a service-side problem, try again later`;
    } else {
      message = `Key Vault refused (HTTP ${status}) to ${verb} ${where}: ${serviceDetail(err, secrets)}`;
    }
  } else {
    message = `could not ${verb} ${where}: ${safeMessage(err, secrets, 240)}`;
  }
  return new RelayError('SECRET_UNAVAILABLE', 'secret', message, { cause });
}

/** The SDK's RestError, recognised by shape so this module does not load the Key Vault SDK. */
function isRestError(err: unknown): err is Error & { statusCode?: number; code?: string } {
  return err instanceof Error && err.name === 'RestError';
}
