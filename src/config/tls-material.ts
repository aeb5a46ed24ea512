// SYSLOG_TLS_CA / _CERT / _KEY: read (inline PEM or a file) and parsed at start-up, so a truncated
// bundle, a key in the certificate slot or a key that does not match its certificate is refused
// by name instead of failing on the first connection. Messages never include key material.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { isKeyVaultReference } from '../secrets/keyvault-uri.js';

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]+?-----END \1-----/g;

/** Inline PEM, or a path to a PEM file (read now, at start-up). */
export function readPem(name: string, value: string | undefined, problems: string[]): string | undefined {
  if (!value) return undefined;
  // App Service passes an unresolved @Microsoft.KeyVault(...) reference through as the literal text.
  if (isKeyVaultReference(value)) {
    problems.push(`${name}: holds an unresolved Key Vault reference: the platform could not read the secret (check the app identity's access to the vault)`);
    return undefined;
  }
  if (value.includes('-----BEGIN')) return value.replace(/\\n/g, '\n');
  try {
    return readFileSync(value.trim(), 'utf8');
  } catch {
    problems.push(`${name}: is neither inline PEM nor a readable file`);
    return undefined;
  }
}

function certificates(name: string, pem: string, problems: string[]): void {
  const blocks = [...pem.matchAll(BLOCK)].filter((b) => b[1] === 'CERTIFICATE');
  if (blocks.length === 0) {
    problems.push(`${name}: holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
    return;
  }
  blocks.forEach((b, i) => {
    try {
      new X509Certificate(b[0]);
    } catch {
      problems.push(`${name}: certificate ${i + 1} of ${blocks.length} cannot be parsed`);
    }
  });
}

/** Problems with the TLS material as given (each names its setting); empty when a connection could use it. */
export function tlsMaterialProblems(ca: string | undefined, cert: string | undefined, key: string | undefined): string[] {
  const problems: string[] = [];
  if (ca !== undefined) certificates('SYSLOG_TLS_CA', ca, problems);
  if (cert !== undefined) certificates('SYSLOG_TLS_CERT', cert, problems);
  let keyOk = false;
  if (key !== undefined) {
    try {
      createPrivateKey(key);
      keyOk = true;
    } catch {
      problems.push('SYSLOG_TLS_KEY: is not an unencrypted PEM private key');
    }
  }
  if (problems.length === 0 && cert !== undefined && keyOk) {
    try {
      createSecureContext({ cert, key });
    } catch {
      problems.push('SYSLOG_TLS_CERT/SYSLOG_TLS_KEY: the private key does not match the certificate');
    }
  }
  return problems;
}
