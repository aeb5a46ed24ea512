// The Event Grid function for Key Vault expiry events: a warning in the log and a notice for the status record.
import { describe, expect, test } from 'vitest';
import { InvocationContext, type EventGridEvent } from '@azure/functions';
import { createKeyVaultEventHandler, watchedSecrets, type WatchedSecret } from '../../functions/keyvault-events.js';
import type { TokenExpiryNotice } from '../../src/secrets/expiry-notice.js';

function keyVaultEvent(eventType: string, objectName: string, exp?: number, vaultName = 'contoso-kv'): EventGridEvent {
  // Shape from learn.microsoft.com/azure/event-grid/event-schema-key-vault.
  return {
    id: '00000000-0000-0000-0000-000000000001',
    topic: `/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/${vaultName}`,
    subject: objectName,
    eventType,
    eventTime: '2030-01-01T00:00:00Z',
    dataVersion: '1',
    metadataVersion: '1',
    data: {
      Id: `https://${vaultName}.vault.azure.net/${eventType.includes('Certificate') ? 'certificates' : 'secrets'}/${objectName}/0123456789abcdef0123456789abcdef`,
      VaultName: vaultName, ObjectType: eventType.includes('Certificate') ? 'Certificate' : 'Secret', ObjectName: objectName,
      Version: '0123456789abcdef0123456789abcdef', NBF: null, EXP: exp ?? null,
    },
  };
}

function harness(secrets?: string | WatchedSecret[]) {
  const notices: TokenExpiryNotice[] = [];
  const logs: { level: string; text: string }[] = [];
  const watched = typeof secrets === 'string' ? [{ name: secrets, setting: 'MDCA_TOKEN_SECRET_URI' as const }] : secrets;
  const handler = createKeyVaultEventHandler(async (n) => void notices.push(n), { secrets: watched });
  const context = new InvocationContext({
    functionName: 'keyVaultTokenExpiry',
    logHandler: (level, ...args) => logs.push({ level, text: args.map(String).join(' ') }),
  });
  return { notices, logs, handler, context };
}

describe('Key Vault expiry events', () => {
  test('SecretNearExpiry: warns with the expiry and what to do, and records a near-expiry notice', async () => {
    const h = harness('mdca-token');
    const exp = Date.UTC(2030, 1, 1) / 1000;
    await h.handler(keyVaultEvent('Microsoft.KeyVault.SecretNearExpiry', 'mdca-token', exp), h.context);
    expect(h.notices).toEqual([{
      kind: 'near-expiry', objectType: 'secret', secretName: 'mdca-token', vaultName: 'contoso-kv',
      version: '0123456789abcdef0123456789abcdef', expiresOn: new Date(exp * 1000), setting: 'MDCA_TOKEN_SECRET_URI',
    }]);
    const warning = h.logs.find((l) => l.level === 'warning');
    expect(warning?.text).toMatch(/expires soon \(expiry 2030-02-01T00:00:00.000Z\)/);
    expect(warning?.text).toMatch(/rotate-token/);
  });

  test('SecretExpired records an expired notice', async () => {
    const h = harness();
    await h.handler(keyVaultEvent('Microsoft.KeyVault.SecretExpired', 'mdca-token'), h.context);
    expect(h.notices.map((n) => n.kind)).toEqual(['expired']);
    expect(h.notices[0]?.expiresOn).toBeUndefined();
    expect(h.logs.some((l) => l.level === 'warning' && /has expired/.test(l.text))).toBe(true);
  });

  test('other event types and other secrets are logged and ignored', async () => {
    const h = harness('mdca-token');
    await h.handler(keyVaultEvent('Microsoft.KeyVault.SecretNewVersionCreated', 'mdca-token'), h.context);
    await h.handler(keyVaultEvent('Microsoft.KeyVault.SecretNearExpiry', 'some-other-secret'), h.context);
    expect(h.notices).toEqual([]);
    expect(h.logs.filter((l) => l.level === 'warning')).toEqual([]);
    expect(h.logs.length).toBe(2);
  });

  test('a failing status writer fails the invocation (so Event Grid retries)', async () => {
    const handler = createKeyVaultEventHandler(() => Promise.reject(new Error('status store down')));
    const context = new InvocationContext({ logHandler: () => {} });
    await expect(handler(keyVaultEvent('Microsoft.KeyVault.SecretExpired', 'mdca-token'), context)).rejects.toThrow(/status store down/);
  });
});

describe('the Graph application\'s client secret and certificate', () => {
  const env = {
    MDCA_TOKEN_SECRET_URI: undefined,
    GRAPH_CLIENT_SECRET_URI: 'https://kv-relay.vault.azure.net/secrets/graph-client-secret',
    GRAPH_CLIENT_CERTIFICATE_URI: 'https://KV-Relay.vault.azure.net/secrets/graph-client-cert',
  };

  test('watchedSecrets takes each *_URI setting that is set; a URI the relay would refuse is left out', () => {
    expect(watchedSecrets(env)).toEqual([
      { name: 'graph-client-secret', vaultName: 'kv-relay', setting: 'GRAPH_CLIENT_SECRET_URI' },
      { name: 'graph-client-cert', vaultName: 'kv-relay', setting: 'GRAPH_CLIENT_CERTIFICATE_URI' },
    ]);
    expect(watchedSecrets({ MDCA_TOKEN_SECRET_URI: 'https://kv-relay.vault.azure.net/secrets/mdca-token/0123456789abcdef0123456789abcdef', GRAPH_CLIENT_SECRET_URI: 'not a uri' })).toEqual([]);
  });

  test('a client secret near expiry: the warning names the setting and what to do (not rotate-token)', async () => {
    const h = harness(watchedSecrets(env));
    await h.handler(keyVaultEvent('Microsoft.KeyVault.SecretNearExpiry', 'graph-client-secret', Date.UTC(2030, 1, 1) / 1000, 'kv-relay'), h.context);
    expect(h.notices.map((n) => [n.kind, n.objectType, n.secretName, n.setting])).toEqual([['near-expiry', 'secret', 'graph-client-secret', 'GRAPH_CLIENT_SECRET_URI']]);
    const warning = h.logs.find((l) => l.level === 'warning')?.text;
    expect(warning).toMatch(/^The Microsoft Graph application's client secret \(GRAPH_CLIENT_SECRET_URI\) in secret "graph-client-secret" in Key Vault kv-relay expires soon \(expiry 2030-02-01T00:00:00.000Z\): add a new client secret to the app registration/);
    expect(warning).not.toMatch(/rotate-token|Defender for Cloud Apps/);
  });

  test('the certificate: its Certificate* and Secret* events count; a certificate event for another secret does not', async () => {
    const h = harness(watchedSecrets(env));
    await h.handler(keyVaultEvent('Microsoft.KeyVault.CertificateExpired', 'graph-client-cert', undefined, 'kv-relay'), h.context);
    await h.handler(keyVaultEvent('Microsoft.KeyVault.SecretNearExpiry', 'graph-client-cert', undefined, 'kv-relay'), h.context);
    await h.handler(keyVaultEvent('Microsoft.KeyVault.CertificateNearExpiry', 'graph-client-secret', undefined, 'kv-relay'), h.context);
    expect(h.notices.map((n) => [n.kind, n.objectType, n.setting])).toEqual([
      ['expired', 'certificate', 'GRAPH_CLIENT_CERTIFICATE_URI'],
      ['near-expiry', 'secret', 'GRAPH_CLIENT_CERTIFICATE_URI'],
    ]);
    expect(h.logs.filter((l) => l.level === 'warning').map((l) => l.text)).toEqual([
      expect.stringMatching(/^The Microsoft Graph application's certificate \(GRAPH_CLIENT_CERTIFICATE_URI\) in certificate "graph-client-cert" in Key Vault kv-relay has expired: renew the certificate/),
      expect.stringMatching(/certificate \(GRAPH_CLIENT_CERTIFICATE_URI\) in secret "graph-client-cert" .*expires soon/),
    ]);
  });

  test('the same name in another vault, the MDCA token when only Graph secrets are set, and certificates with nothing watched are ignored', async () => {
    const h = harness(watchedSecrets(env));
    await h.handler(keyVaultEvent('Microsoft.KeyVault.SecretExpired', 'graph-client-secret', undefined, 'other-kv'), h.context);
    await h.handler(keyVaultEvent('Microsoft.KeyVault.SecretExpired', 'mdca-token', undefined, 'kv-relay'), h.context);
    const none = harness();
    await none.handler(keyVaultEvent('Microsoft.KeyVault.CertificateExpired', 'graph-client-cert'), none.context);
    expect([...h.notices, ...none.notices]).toEqual([]);
    expect([...h.logs, ...none.logs].filter((l) => l.level === 'warning')).toEqual([]);
  });

  test('with every setting watched, each secret keeps its own remedy', async () => {
    const h = harness(watchedSecrets({ ...env, MDCA_TOKEN_SECRET_URI: 'https://kv-relay.vault.azure.net/secrets/mdca-token' }));
    await h.handler(keyVaultEvent('Microsoft.KeyVault.SecretExpired', 'MDCA-Token', undefined, 'kv-relay'), h.context);
    await h.handler(keyVaultEvent('Microsoft.KeyVault.SecretExpired', 'graph-client-secret', undefined, 'kv-relay'), h.context);
    expect(h.notices.map((n) => n.setting)).toEqual(['MDCA_TOKEN_SECRET_URI', 'GRAPH_CLIENT_SECRET_URI']);
    const warnings = h.logs.filter((l) => l.level === 'warning').map((l) => l.text);
    expect(warnings[0]).toMatch(/^The Defender for Cloud Apps API token in secret "MDCA-Token" .*rotate-token$/);
    expect(warnings[1]).toMatch(/client secret/);
  });
});
