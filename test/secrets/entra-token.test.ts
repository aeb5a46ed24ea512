// Microsoft Entra bearer tokens for the API: scope, caching until renewal, refresh, and failures.
import { describe, expect, test } from 'vitest';
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/identity';
import { CredentialUnavailableError } from '@azure/identity';
import { EntraTokenProvider, MDCA_ENTRA_SCOPE } from '../../src/secrets/entra-token.js';
import { createTokenProvider } from '../../src/secrets/provider.js';
import { isRelayError } from '../../src/errors.js';
import { assertNoSecrets, registerSecret } from '../support/secrets.js';
import { randomBytes } from 'node:crypto';

/** Entra cannot be had locally: a credential that issues JWT-shaped tokens with a controllable lifetime. */
class FakeEntra implements TokenCredential {
  calls: { scopes: string | string[]; options?: GetTokenOptions }[] = [];
  lifetimeMs = 3_600_000;
  fail: Error | undefined;
  constructor(private readonly now: () => number) {}
  getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> {
    this.calls.push({ scopes, options });
    if (this.fail) return Promise.reject(this.fail);
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const jwt = registerSecret(`${b64({ alg: 'RS256', typ: 'JWT' })}.${b64({ aud: '05a65629-4c1b-48c1-a78b-804c4abdd4af', n: randomBytes(8).toString('hex') })}.${randomBytes(32).toString('base64url')}`, 'Entra JWT');
    return Promise.resolve({ token: jwt, expiresOnTimestamp: this.now() + this.lifetimeMs });
  }
}

describe('Microsoft Entra bearer tokens', () => {
  test('asks for the Defender for Cloud Apps scope and sends "Bearer <jwt>"', async () => {
    const entra = new FakeEntra(Date.now);
    const p = createTokenProvider({ auth: 'entra', credential: entra });
    const header = await p.authorization();
    expect(header).toMatch(/^Bearer eyJ/);
    expect(entra.calls.map((c) => c.scopes)).toEqual([MDCA_ENTRA_SCOPE]);
    expect(MDCA_ENTRA_SCOPE).toBe('05a65629-4c1b-48c1-a78b-804c4abdd4af/.default');
    expect(p.secrets()).toEqual([header.slice('Bearer '.length)]);
  });

  test('the token is reused until five minutes before expiry, then renewed', async () => {
    let now = 0;
    const entra = new FakeEntra(() => now);
    const p = new EntraTokenProvider({ credential: entra, now: () => now });
    const first = await p.authorization();
    now = 3_600_000 - 300_001;
    expect(await p.authorization()).toBe(first);
    expect(entra.calls.length).toBe(1);
    now += 1;
    const second = await p.authorization();
    expect(second).not.toBe(first);
    expect(entra.calls.length).toBe(2);
  });

  test('refresh() gets a token again and says whether it differs', async () => {
    const entra = new FakeEntra(Date.now);
    const p = new EntraTokenProvider({ credential: entra });
    await p.authorization();
    expect(await p.refresh()).toBe(true);
    expect(entra.calls.length).toBe(2);
  });

  test('an identity failure becomes SECRET_UNAVAILABLE with the cause and what to check', async () => {
    const entra = new FakeEntra(Date.now);
    entra.fail = new CredentialUnavailableError('ManagedIdentityCredential: no managed identity endpoint found');
    const err = await new EntraTokenProvider({ credential: entra }).authorization().catch((e: unknown) => e);
    if (!isRelayError(err)) throw new Error('expected a RelayError');
    expect(err.code).toBe('SECRET_UNAVAILABLE');
    expect(err.message).toMatch(/Microsoft Entra token/);
    expect(err.message).toMatch(/no managed identity endpoint found/);
    expect(err.message).toMatch(/AZURE_CLIENT_ID/);
    assertNoSecrets(err.message);
  });

  test('an identity error that quotes a client secret or a token does not carry it into the message', async () => {
    const entra = new FakeEntra(Date.now);
    const secret = registerSecret(randomBytes(20).toString('base64url'), 'client secret');
    entra.fail = new Error(`AADSTS7000215: invalid client secret. client_secret=${secret} Authorization: Bearer ${randomBytes(30).toString('hex')}`);
    const err = await new EntraTokenProvider({ credential: entra }).authorization().catch((e: unknown) => e);
    if (!isRelayError(err)) throw new Error('expected a RelayError');
    expect(err.message).toMatch(/AADSTS7000215/);
    assertNoSecrets(err.message);
    assertNoSecrets(String(err.cause));
  });

  test('a credential that returns no token is a clear error', async () => {
    const p = new EntraTokenProvider({ credential: { getToken: () => Promise.resolve(null) } });
    await expect(p.authorization()).rejects.toThrow(/returned no Microsoft Entra token/);
  });
});
