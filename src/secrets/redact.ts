// Strips secrets from text bound for logs, errors and status records: known values plus credential-shaped patterns.
export const REDACTED = '[REDACTED]';

/** Shorter values are not redacted by value: a 3-letter "secret" would blank out ordinary words. */
export const MIN_SECRET_LENGTH = 6;

// Values already redacted (by us or by the Azure SDK's sanitizer) are not leaks.
const PLACEHOLDER = /^(?:\[REDACTED\]|REDACTED|\*+|<redacted>|<[a-z -]+>|\.\.\.)$/i;

interface CredentialPattern {
  kind: string;
  /** Group 1 is kept, group 2 is the secret value. Global flag required. */
  re: RegExp;
}

// Token characters of RFC 6750 b64token plus '/' and '+', which Base64 tokens and JWT-less keys use.
const TOKEN_CHARS = '[A-Za-z0-9._~+/=-]';

const PATTERNS: readonly CredentialPattern[] = [
  // `Authorization: Token <t>`, `"authorization":"Bearer <jwt>"`, `Authorization=Basic ...` (RFC 9110 §11.6.2).
  {
    kind: 'Authorization header',
    re: new RegExp(`(\\bauthorization["']?\\s*[:=]\\s*["']?(?:token|bearer|basic|sharedkey)\\s+)(${TOKEN_CHARS}+)`, 'gi'),
  },
  // The scheme and value without the header name, e.g. a header value logged on its own.
  { kind: 'Authorization value', re: new RegExp(`(\\b(?:token|bearer)\\s+)(${TOKEN_CHARS}{20,})`, 'gi') },
  // An Authorization header without a known scheme, only when the value is long enough to be a credential.
  { kind: 'Authorization header', re: new RegExp(`(\\bauthorization["']?\\s*[:=]\\s*["']?)(${TOKEN_CHARS}{16,})`, 'gi') },
  // Storage / Service Bus / Event Hubs connection strings (learn.microsoft.com/azure/storage/common/storage-configure-connection-string).
  { kind: 'AccountKey', re: /(\bAccountKey=)([^;\s"'&]+)/gi },
  { kind: 'SharedAccessKey', re: /(\bSharedAccessKey=)([^;\s"'&]+)/gi },
  { kind: 'SharedAccessSignature', re: /(\bSharedAccessSignature=)([^;\s"']+)/gi },
  // The signature of a SAS URL or token (learn.microsoft.com/rest/api/storageservices/create-service-sas).
  { kind: 'SAS sig', re: /((?:^|[?&;\s"'])sig=)([^&;\s"']+)/gi },
  { kind: 'client_secret', re: /(\bclient_secret=)([^&;\s"']+)/gi },
  // A JWT anywhere (Microsoft Entra access tokens): header.payload.signature, both JSON parts start with `{"`.
  { kind: 'JWT', re: /()(eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*)/g },
];

function replacePatterns(text: string, found?: string[]): string {
  let out = text;
  for (const { kind, re } of PATTERNS) {
    re.lastIndex = 0;
    out = out.replace(re, (match: string, keep: string, value: string) => {
      if (PLACEHOLDER.test(value)) return match;
      found?.push(kind);
      return `${keep}${REDACTED}`;
    });
  }
  return out;
}

function replaceValues(text: string, secrets: readonly string[], found?: string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length < MIN_SECRET_LENGTH || !out.includes(secret)) continue;
    found?.push('secret value');
    out = out.split(secret).join(REDACTED);
  }
  return out;
}

/** Replaces every known secret value, then every credential-shaped pattern, with [REDACTED]. */
export function redact(text: string, secrets: readonly string[] = []): string {
  return replacePatterns(replaceValues(text, secrets));
}

/** Pattern-only redaction (tokens, Authorization values, AccountKey=, SharedAccessSignature=, sig=, JWTs). */
export function redactCredentials(text: string): string {
  return replacePatterns(text);
}

/** The kinds of secret found in text (empty when clean); never the values themselves. */
export function findSecrets(text: string, secrets: readonly string[] = []): string[] {
  const found: string[] = [];
  replacePatterns(replaceValues(text, secrets, found), found);
  return found;
}

/** A redacted, single-line, bounded message from any error, for logs and status records. */
export function safeMessage(err: unknown, secrets: readonly string[] = [], max = 300): string {
  const raw = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  const line = redact(raw, secrets).replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
