// Test secrets that look real (64 hex, like an API token) and are registered with the suite-wide redaction guard.
import { randomBytes } from 'node:crypto';
import { findSecrets } from '../../src/secrets/redact.js';

interface Registry {
  /** value -> label, so a failure can say which secret leaked without printing it. */
  values: Map<string, string>;
  /** Output the guard has not checked yet: what a test, a hook, a logger sink or a child process wrote. */
  pending?: string[];
}

// On globalThis: the setup file and the test file must see one registry even if a module is loaded twice.
const KEY = Symbol.for('mdca-siem-relay.test-secrets');
const g = globalThis as unknown as Record<symbol, Registry | undefined>;
const registry: Registry = (g[KEY] ??= { values: new Map() });

/** Registers any value (a fake access token, a connection string key) as one that must never be printed. */
export function registerSecret(value: string, label = 'secret'): string {
  registry.values.set(value, label);
  return value;
}

/** A fresh 64-hex token, shaped like a Defender for Cloud Apps API token, registered as secret. */
export function fakeToken(label = 'token'): string {
  return registerSecret(randomBytes(32).toString('hex'), label);
}

export function registeredSecrets(): readonly string[] {
  return [...registry.values.keys()];
}

/** What leaked in text, by label or pattern kind; never the value. Empty when clean. */
export function leaksIn(text: string): string[] {
  const found: string[] = [];
  for (const [value, label] of registry.values) {
    if (text.includes(value)) found.push(`registered ${label}`);
  }
  // Registered values are checked above with their labels; here only credential-shaped patterns.
  for (const kind of findSecrets(text)) found.push(kind);
  return found;
}

/** Throws when text (captured CLI output, an error message, a status record) contains a secret. */
export function assertNoSecrets(text: string, what = 'text'): void {
  const found = leaksIn(text);
  if (found.length > 0) {
    throw new Error(`redaction guard: ${what} contains ${[...new Set(found)].join(', ')}`);
  }
}

/**
 * Hands text to the suite-wide redaction guard (redaction-guard.ts), which checks it after the test, or
 * after the file for text written in beforeAll/afterAll: for output that never reaches this process's
 * stdout (a child process's stdout/stderr, a logger with no other sink, a Function's context.log).
 */
export function recordForGuard(text: string): void {
  (registry.pending ??= []).push(text);
}

/** What was recorded since the last call, cleared (the guard's own use). */
export function takeRecorded(): string {
  const text = (registry.pending ?? []).join('');
  registry.pending = [];
  return text;
}
