// Choosing and validating the credential: MDCA_TOKEN, unresolved Key Vault references, secret URIs, MDCA_AUTH.
import { describe, expect, test } from 'vitest';
import { createTokenProvider, tokenProviderOptionsFromEnv } from '../../src/secrets/provider.js';
import { StaticTokenProvider } from '../../src/secrets/static-token.js';
import { parseSecretUri, describeKeyVaultReference } from '../../src/secrets/keyvault-uri.js';
import { KeyVaultTokenProvider } from '../../src/secrets/keyvault-token.js';
import { EntraTokenProvider } from '../../src/secrets/entra-token.js';
import type { RelayError } from '../../src/errors.js';
import { expectRelayErrorSync } from '../support/relay-error.js';
import { fakeToken } from '../support/secrets.js';

const thrown = (fn: () => unknown): RelayError => expectRelayErrorSync(fn);

describe('a static API token', () => {
  test('is sent as "Token <t>" and is what secrets() reports', async () => {
    const token = fakeToken();
    const p = createTokenProvider({ token });
    expect(await p.authorization()).toBe(`Token ${token}`);
    expect(p.secrets()).toEqual([token]);
    expect(await p.refresh()).toBe(false);
  });

  test('a pasted "Token " prefix and surrounding whitespace are dropped', async () => {
    const token = fakeToken();
    expect(await new StaticTokenProvider(`  Token ${token}\r\n`).authorization()).toBe(`Token ${token}`);
  });

  test('whitespace inside the token is refused without echoing the token', () => {
    const token = fakeToken();
    const err = thrown(() => new StaticTokenProvider(`${token.slice(0, 30)} ${token.slice(30)}`));
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message).toMatch(/MDCA_TOKEN contains whitespace/);
    expect(err.message).not.toContain(token.slice(0, 30));
  });

  test('an unresolved Key Vault reference stops the relay and names the usual causes', () => {
    const literal = '@Microsoft.KeyVault(SecretUri=https://contoso-relay-kv.vault.azure.net/secrets/mdca-token/)';
    const err = thrown(() => createTokenProvider({ token: literal }));
    expect(err.code).toBe('SECRET_REFERENCE_UNRESOLVED');
    expect(err.stage).toBe('secret');
    expect(err.message).toMatch(/unresolved Key Vault reference/);
    expect(err.message).toContain('https://contoso-relay-kv.vault.azure.net/secrets/mdca-token/');
    expect(err.message).toMatch(/Key Vault Secrets User/);
    expect(err.message).toMatch(/firewall/);
    expect(err.message).toMatch(/private endpoint/);
    expect(err.message).toMatch(/URI is wrong/);
  });

  test('the VaultName/SecretName reference form is recognised too, and odd contents are not echoed', () => {
    expect(describeKeyVaultReference('@Microsoft.KeyVault(VaultName=contoso-kv;SecretName=mdca-token)')).toBe('vault contoso-kv, secret mdca-token');
    const junk = fakeToken('junk inside a reference');
    const err = thrown(() => new StaticTokenProvider(`@Microsoft.KeyVault(${junk})`));
    expect(err.code).toBe('SECRET_REFERENCE_UNRESOLVED');
    expect(err.message).not.toContain(junk);
  });
});

describe('the Key Vault secret URI', () => {
  test('a versionless URI gives the vault URL and secret name', () => {
    expect(parseSecretUri('https://Contoso-KV.vault.azure.net/secrets/mdca-token/')).toEqual({
      vaultUrl: 'https://contoso-kv.vault.azure.net', vaultHost: 'contoso-kv.vault.azure.net', secretName: 'mdca-token',
    });
    expect(parseSecretUri('https://contoso-kv.vault.usgovcloudapi.net/secrets/t').secretName).toBe('t');
  });

  test('a versioned URI is refused with the versionless form to use instead', () => {
    const err = thrown(() => parseSecretUri('https://contoso-kv.vault.azure.net/secrets/mdca-token/0123456789abcdef0123456789abcdef'));
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message).toMatch(/names a secret version/);
    expect(err.message).toContain('use the versionless URI https://contoso-kv.vault.azure.net/secrets/mdca-token');
  });

  test.each([
    ['http://contoso-kv.vault.azure.net/secrets/t', /must use https/],
    ['https://contoso-kv.example.com/secrets/t', /does not name a Key Vault host/],
    ['https://contoso-kv.vault.azure.net/keys/t', /does not point at a secret/],
    ['https://contoso-kv.vault.azure.net/secrets/t?api-version=7.4', /query/],
    ['https://127.0.0.1:8443/secrets/t', /does not name a Key Vault host/],
    ['@Microsoft.KeyVault(SecretUri=https://contoso-kv.vault.azure.net/secrets/t)', /not a Key Vault reference/],
  ])('%s is refused', (uri, why) => {
    expect(thrown(() => parseSecretUri(uri)).message).toMatch(why);
  });

  test('something that is not a URL (say, a token in the wrong setting) is refused without echoing it', () => {
    const token = fakeToken();
    const err = thrown(() => parseSecretUri(token));
    expect(err.message).toMatch(/not a URL/);
  });

  test('a loopback vault is accepted only when allowed (tests)', () => {
    expect(parseSecretUri('https://127.0.0.1:8443/secrets/t', { allowLoopbackVault: true }).vaultUrl).toBe('https://127.0.0.1:8443');
  });
});

describe('choosing a provider', () => {
  test('settings are read from the environment, empty values count as unset', () => {
    const token = fakeToken();
    expect(tokenProviderOptionsFromEnv({ MDCA_TOKEN: token, MDCA_TOKEN_SECRET_URI: '', AZURE_CLIENT_ID: 'abc', MDCA_TOKEN_CACHE_SECONDS: '60' }))
      .toEqual({ auth: undefined, token, secretUri: undefined, clientId: 'abc', cacheTtlMs: 60_000 });
    expect(thrown(() => tokenProviderOptionsFromEnv({ MDCA_AUTH: fakeToken() })).message).toMatch(/MDCA_AUTH must be/);
    expect(thrown(() => tokenProviderOptionsFromEnv({ MDCA_TOKEN_CACHE_SECONDS: 'soon' })).code).toBe('CONFIG_INVALID');
  });

  test('each mode gives its provider', () => {
    const credential = { getToken: () => Promise.resolve(null) };
    expect(createTokenProvider({ token: fakeToken() })).toBeInstanceOf(StaticTokenProvider);
    expect(createTokenProvider({ secretUri: 'https://contoso-kv.vault.azure.net/secrets/t', credential })).toBeInstanceOf(KeyVaultTokenProvider);
    expect(createTokenProvider({ auth: 'entra', credential })).toBeInstanceOf(EntraTokenProvider);
  });

  test('contradictory or missing settings are configuration errors', () => {
    const uri = 'https://contoso-kv.vault.azure.net/secrets/t';
    expect(thrown(() => createTokenProvider({ token: fakeToken(), secretUri: uri })).message).toMatch(/either MDCA_TOKEN or MDCA_TOKEN_SECRET_URI/);
    expect(thrown(() => createTokenProvider({ auth: 'entra', secretUri: uri })).message).toMatch(/MDCA_AUTH=entra/);
    expect(thrown(() => createTokenProvider({})).message).toMatch(/no API credential configured/);
  });
});
