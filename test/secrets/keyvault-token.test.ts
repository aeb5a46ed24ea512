// The Key Vault token provider with the real SecretClient against a local Key Vault secrets REST server.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { KeyVaultTokenProvider } from '../../src/secrets/keyvault-token.js';
import { sendWithFreshTokenOn401 } from '../../src/secrets/retry-on-401.js';
import { RelayError } from '../../src/errors.js';
import { KeyVaultServer, TEST_TENANT, startBlackhole } from '../support/keyvault-server.js';
import { assertNoSecrets, fakeToken } from '../support/secrets.js';
import { freePort } from '../support/ports.js';
import { expectRelayError } from '../support/relay-error.js';

let kv: KeyVaultServer;
let secretName = '';
let n = 0;

beforeAll(async () => {
  kv = await KeyVaultServer.start();
});
afterAll(async () => {
  await kv.close();
});
beforeEach(() => {
  kv.clearFaults();
  secretName = `mdca-token-${++n}`;
});

function provider(extra: Partial<ConstructorParameters<typeof KeyVaultTokenProvider>[0]> = {}): KeyVaultTokenProvider {
  return new KeyVaultTokenProvider({
    secretUri: kv.secretUri(secretName),
    credential: kv.credential,
    clientOptions: kv.clientOptions(),
    allowLoopbackVault: true,
    ...extra,
  });
}

async function failure(p: Promise<unknown>): Promise<RelayError> {
  const err = await expectRelayError(p);
  assertNoSecrets(String(err.cause), 'error cause');
  expect(err.message).not.toContain(kv.credential.token);
  return err;
}

const reads = (): number => kv.requests.filter((r) => r.method === 'GET' && r.authorized && r.path.includes(`/${secretName}`)).length;

describe('reading the API token from Key Vault', () => {
  test('reads the current version through the bearer challenge and sends it as a Token header', async () => {
    const token = fakeToken('api token');
    const version = kv.setSecret(secretName, token).version;
    const p = provider();
    expect(await p.authorization()).toBe(`Token ${token}`);
    expect(p.currentVersion()).toBe(version);
    expect(p.secrets()).toEqual([token]);
  });

  test('the 401 challenge names the tenant and resource, and the credential is asked for exactly that', async () => {
    const before = kv.credential.calls.length;
    const fresh = await KeyVaultServer.start();
    try {
      const token = fakeToken();
      fresh.setSecret('challenged', token);
      const p = new KeyVaultTokenProvider({
        secretUri: fresh.secretUri('challenged'), credential: fresh.credential,
        clientOptions: fresh.clientOptions(), allowLoopbackVault: true,
      });
      expect(await p.authorization()).toBe(`Token ${token}`);
      const [first, second] = fresh.requests;
      expect(first).toMatchObject({ method: 'GET', authorized: false, status: 401 });
      expect(second).toMatchObject({ method: 'GET', authorized: true, status: 200 });
      expect(fresh.credential.calls).toEqual([{ scopes: ['https://vault.azure.net/.default'], tenantId: TEST_TENANT }]);
    } finally {
      await fresh.close();
    }
    expect(kv.credential.calls.length).toBe(before);
  });

  test('a stored value with a pasted "Token " prefix and a trailing newline is used as the bare token', async () => {
    const token = fakeToken();
    kv.setSecret(secretName, `Token ${token}\n`);
    expect(await provider().authorization()).toBe(`Token ${token}`);
  });

  test('within the cache TTL Key Vault is not asked again; after it, the new version is read', async () => {
    let now = 1_000_000;
    const first = fakeToken('first');
    kv.setSecret(secretName, first);
    const p = provider({ cacheTtlMs: 60_000, now: () => now });
    expect(await p.authorization()).toBe(`Token ${first}`);
    const second = fakeToken('second');
    kv.setSecret(secretName, second);
    now += 59_999;
    expect(await p.authorization()).toBe(`Token ${first}`);
    expect(reads()).toBe(1);
    now += 1;
    expect(await p.authorization()).toBe(`Token ${second}`);
    expect(reads()).toBe(2);
    expect(p.secrets()).toEqual([first, second]);
  });

  test('concurrent first calls share one Key Vault read', async () => {
    kv.setSecret(secretName, fakeToken());
    const p = provider();
    const values = await Promise.all([p.authorization(), p.authorization(), p.authorization()]);
    expect(new Set(values).size).toBe(1);
    expect(reads()).toBe(1);
  });

  test('a rotation in the middle of a run: the request that gets a 401 is resent with the new token', async () => {
    const old = fakeToken('old');
    kv.setSecret(secretName, old);
    let accepted = old;
    const seen: string[] = [];
    // A stand-in for the API: accepts only the token that is current at the moment.
    const api = http.createServer((req, res) => {
      seen.push(req.headers.authorization ?? '');
      res.statusCode = req.headers.authorization === `Token ${accepted}` ? 200 : 401;
      res.end();
    });
    await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', () => resolve()));
    const port = (api.address() as AddressInfo).port;
    const call = (authorization: string) => new Promise<{ status: number }>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port, path: '/api/v1/alerts/', headers: { authorization } }, (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0 });
      }).on('error', reject);
    });
    try {
      const p = provider({ cacheTtlMs: 3_600_000 });
      expect((await sendWithFreshTokenOn401(p, call)).status).toBe(200);
      // The admin issues a new token and stores it in Key Vault; the API stops accepting the old one.
      const rotated = fakeToken('rotated');
      kv.setSecret(secretName, rotated);
      accepted = rotated;
      expect((await sendWithFreshTokenOn401(p, call)).status).toBe(200);
      expect(seen).toEqual([`Token ${old}`, `Token ${old}`, `Token ${rotated}`]);
      expect(await p.authorization()).toBe(`Token ${rotated}`);
      // A 401 with nothing new in Key Vault is returned, not retried blindly.
      accepted = 'nobody';
      expect((await sendWithFreshTokenOn401(p, call)).status).toBe(401);
      expect(seen.length).toBe(4);
    } finally {
      await new Promise<void>((resolve) => api.close(() => resolve()));
    }
  });

  test('refresh() reports whether the token changed', async () => {
    kv.setSecret(secretName, fakeToken());
    const p = provider();
    await p.authorization();
    expect(await p.refresh()).toBe(false);
    kv.setSecret(secretName, fakeToken());
    expect(await p.refresh()).toBe(true);
  });
});

describe('when Key Vault says no', () => {
  test('403 names the Key Vault Secrets User role and the firewall', async () => {
    kv.setSecret(secretName, fakeToken());
    kv.failNext(403, 1);
    const err = await failure(provider().authorization());
    expect(err.code).toBe('SECRET_UNAVAILABLE');
    expect(err.stage).toBe('secret');
    expect(err.message).toMatch(/403/);
    expect(err.message).toMatch(/Key Vault Secrets User/);
    expect(err.message).toMatch(/firewall/);
    expect(err.message).toContain(secretName);
  });

  test('404 says the secret was not found and points at MDCA_TOKEN_SECRET_URI', async () => {
    const err = await failure(provider().authorization());
    expect(err.code).toBe('SECRET_UNAVAILABLE');
    expect(err.message).toMatch(/not found \(404\)/);
    expect(err.message).toMatch(/MDCA_TOKEN_SECRET_URI/);
  });

  test('5xx that outlasts the SDK retries says it is a service-side problem', async () => {
    kv.setSecret(secretName, fakeToken());
    kv.failNext(503, 10);
    const err = await failure(provider().authorization());
    expect(err.code).toBe('SECRET_UNAVAILABLE');
    expect(err.message).toMatch(/HTTP 503/);
    expect(err.message).toMatch(/try again later/);
  });

  test('a transient 500 is retried by the SDK and the read succeeds', async () => {
    const token = fakeToken();
    kv.setSecret(secretName, token);
    kv.failNext(500, 1);
    expect(await provider().authorization()).toBe(`Token ${token}`);
  });

  test('after a failed re-read the provider does not keep serving the old token silently', async () => {
    kv.setSecret(secretName, fakeToken());
    const p = provider();
    await p.authorization();
    kv.failNext(403, 1);
    expect((await failure(p.refresh())).code).toBe('SECRET_UNAVAILABLE');
  });

  test('a disabled current version is refused with a clear message', async () => {
    kv.setSecret(secretName, fakeToken(), { enabled: false });
    const err = await failure(provider().authorization());
    expect(err.message).toMatch(/disabled/);
  });

  test('an empty secret value is a clear error, not an empty header', async () => {
    kv.setSecret(secretName, '   ');
    const err = await failure(provider().authorization());
    expect(err.code).toBe('SECRET_UNAVAILABLE');
    expect(err.message).toMatch(/empty/);
  });
});

describe('when Key Vault cannot be reached', () => {
  test('connection refused gives SECRET_UNAVAILABLE naming the vault and the network causes', async () => {
    const port = await freePort();
    const p = new KeyVaultTokenProvider({
      secretUri: `https://127.0.0.1:${port}/secrets/mdca-token`, credential: kv.credential,
      clientOptions: kv.clientOptions(), allowLoopbackVault: true,
    });
    const err = await failure(p.authorization());
    expect(err.code).toBe('SECRET_UNAVAILABLE');
    expect(err.message).toMatch(/unreachable/);
    expect(err.message).toContain(`127.0.0.1:${port}`);
    expect(err.message).toMatch(/firewall/);
  });

  test('a vault that never answers is given up on after the timeout', async () => {
    const hole = await startBlackhole();
    try {
      const p = new KeyVaultTokenProvider({
        secretUri: `${hole.url}/secrets/mdca-token`, credential: kv.credential,
        clientOptions: kv.clientOptions(), allowLoopbackVault: true, timeoutMs: 400,
      });
      const started = Date.now();
      const err = await failure(p.authorization());
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(err.code).toBe('SECRET_UNAVAILABLE');
      expect(err.message).toMatch(/did not answer within 400 ms/);
    } finally {
      await hole.close();
    }
  });

  test('a certificate the client does not trust is reported as a TLS problem, not as a token problem', async () => {
    kv.setSecret(secretName, fakeToken());
    const p = provider({ clientOptions: { disableChallengeResourceVerification: true, retryOptions: { maxRetries: 0 } } });
    const err = await failure(p.authorization());
    expect(err.code).toBe('SECRET_UNAVAILABLE');
    expect(err.message).toMatch(/TLS connection to Key Vault .* failed/);
    expect(err.message).toMatch(/not trusted/);
  });
});
