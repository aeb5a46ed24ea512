// rotate-token: verify against the API, then a new Key Vault version with expiry and content type; failures change nothing.
import { Readable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { rotateToken, TOKEN_CONTENT_TYPE, type RotateTokenOptions } from '../../src/secrets/rotate.js';
import { readTokenInput } from '../../src/secrets/read-token-input.js';
import { KeyVaultTokenProvider } from '../../src/secrets/keyvault-token.js';
import { RelayError } from '../../src/errors.js';
import { KeyVaultServer } from '../support/keyvault-server.js';
import { expectRelayError } from '../support/relay-error.js';
import { assertNoSecrets, fakeToken } from '../support/secrets.js';

let kv: KeyVaultServer;
let name = '';
let n = 0;
beforeAll(async () => {
  kv = await KeyVaultServer.start();
});
afterAll(async () => {
  await kv.close();
});
beforeEach(() => {
  kv.clearFaults();
  name = `rotated-${++n}`;
});

function options(newToken: string, extra: Partial<RotateTokenOptions> = {}): RotateTokenOptions {
  return {
    secretUri: kv.secretUri(name), newToken, verify: () => Promise.resolve(),
    credential: kv.credential, clientOptions: kv.clientOptions(), allowLoopbackVault: true, ...extra,
  };
}

const rejection = (p: Promise<unknown>): Promise<RelayError> => expectRelayError(p);

const writes = (): number => kv.requests.filter((r) => r.method === 'PUT' && r.authorized && r.path.endsWith(`/${name}`)).length;

describe('rotating the API token', () => {
  test('a verified token becomes the current version, with expiry and content type, and the reader picks it up', async () => {
    const old = fakeToken('old');
    const previous = kv.setSecret(name, old).version;
    const reader = new KeyVaultTokenProvider({ secretUri: kv.secretUri(name), credential: kv.credential, clientOptions: kv.clientOptions(), allowLoopbackVault: true });
    expect(await reader.authorization()).toBe(`Token ${old}`);

    const fresh = fakeToken('new');
    const verified: string[] = [];
    const expiresOn = new Date(Date.now() + 90 * 86_400_000);
    const result = await rotateToken(options(fresh, { verify: (t) => Promise.resolve(void verified.push(t)), expiresOn }));

    expect(verified).toEqual([fresh]);
    const current = kv.current(name);
    expect(current?.value).toBe(fresh);
    expect(current?.contentType).toBe(TOKEN_CONTENT_TYPE);
    expect(current?.exp).toBe(Math.floor(expiresOn.getTime() / 1000));
    expect(kv.versions(name).map((v) => v.value)).toEqual([old, fresh]);
    expect(result).toMatchObject({ secretName: name, version: current?.version, previousVersion: previous, confirmed: true });
    expect(await reader.refresh()).toBe(true);
    expect(await reader.authorization()).toBe(`Token ${fresh}`);
  });

  test('the default expiry is 180 days out, and a first rotation creates the secret', async () => {
    const now = Date.UTC(2030, 0, 1);
    const result = await rotateToken(options(fakeToken(), { now: () => now }));
    expect(result.previousVersion).toBeUndefined();
    expect(kv.current(name)?.exp).toBe(now / 1000 + 180 * 86_400);
  });

  test('a token the API rejects is never written, and the message does not contain it', async () => {
    const old = fakeToken('old');
    kv.setSecret(name, old);
    const bad = fakeToken('bad');
    const err = await rejection(rotateToken(options(bad, {
      verify: (t) => Promise.reject(new RelayError('TOKEN_REJECTED', 'fetch', `401 from the API for token ${t}`)),
    })));
    expect(err.code).toBe('TOKEN_REJECTED');
    expect(err.message).toMatch(/Key Vault was not changed/);
    expect(err.message).not.toContain(bad);
    expect(kv.versions(name).map((v) => v.value)).toEqual([old]);
    expect(writes()).toBe(0);
  });

  test('a write Key Vault refuses (403) leaves the current version current and says so', async () => {
    const old = fakeToken('old');
    const before = kv.setSecret(name, old).version;
    kv.failNext(403, 1, 'PUT');
    const err = await rejection(rotateToken(options(fakeToken('new'))));
    expect(err.code).toBe('SECRET_UNAVAILABLE');
    expect(err.message).toMatch(/Key Vault Secrets Officer/);
    expect(err.message).toContain(`the current version (${before}) is unchanged`);
    expect(kv.current(name)?.version).toBe(before);
    expect(kv.versions(name).length).toBe(1);
  });

  test('a Key Vault that fails every write (5xx) leaves the secret as it was', async () => {
    const old = fakeToken('old');
    kv.setSecret(name, old);
    kv.failNext(500, 10, 'PUT');
    const err = await rejection(rotateToken(options(fakeToken('new'))));
    expect(err.message).toMatch(/HTTP 500/);
    expect(kv.versions(name).map((v) => v.value)).toEqual([old]);
  });

  test('when the current version cannot be read (403), nothing is written', async () => {
    kv.setSecret(name, fakeToken('old'));
    kv.failNext(403, 1, 'GET');
    const err = await rejection(rotateToken(options(fakeToken('new'))));
    expect(err.message).toMatch(/403/);
    expect(writes()).toBe(0);
  });

  test('malformed input or a past expiry is refused before the API or Key Vault is touched', async () => {
    let verifyCalls = 0;
    const verify = () => Promise.resolve(void verifyCalls++);
    const token = fakeToken();
    const broken = `${token.slice(0, 20)}\n${token.slice(20)}`;
    expect((await rejection(rotateToken(options(broken, { verify })))).code).toBe('CONFIG_INVALID');
    expect((await rejection(rotateToken(options('', { verify })))).message).toMatch(/empty/);
    expect((await rejection(rotateToken(options(token, { verify, expiresOn: new Date(Date.now() - 1000) })))).message).toMatch(/future/);
    expect((await rejection(rotateToken(options(token, { verify, secretUri: `${kv.secretUri(name)}/0123456789abcdef0123456789abcdef` })))).message)
      .toMatch(/versionless/);
    expect(verifyCalls).toBe(0);
    expect(kv.requests.filter((r) => r.path.includes(`/${name}`)).length).toBe(0);
  });
});

describe('reading the new token from standard input', () => {
  test('the piped token is returned trimmed', async () => {
    const token = fakeToken();
    expect(await readTokenInput(Readable.from([Buffer.from(`${token.slice(0, 10)}`), Buffer.from(`${token.slice(10)}\n`)]))).toBe(token);
  });

  test('empty or oversized input is refused without echoing it', async () => {
    await expect(readTokenInput(Readable.from([]))).rejects.toThrow(/no token on standard input/);
    const big = fakeToken().repeat(200);
    const err = await readTokenInput(Readable.from([Buffer.from(big)])).then(() => new Error('no error'), (e: unknown) => e as Error);
    expect(err.message).toMatch(/longer than 8192 bytes/);
    assertNoSecrets(err.message);
  });
});
