// The Event Grid function for Key Vault expiry events: a warning in the log and a notice for the status record.
import { describe, expect, test } from 'vitest';
import { InvocationContext, type EventGridEvent } from '@azure/functions';
import { createKeyVaultEventHandler } from '../../functions/keyvault-events.js';
import type { TokenExpiryNotice } from '../../src/secrets/expiry-notice.js';

function keyVaultEvent(eventType: string, objectName: string, exp?: number): EventGridEvent {
  // Shape from learn.microsoft.com/azure/event-grid/event-schema-key-vault.
  return {
    id: '00000000-0000-0000-0000-000000000001',
    topic: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/contoso-kv',
    subject: objectName,
    eventType,
    eventTime: '2030-01-01T00:00:00Z',
    dataVersion: '1',
    metadataVersion: '1',
    data: {
      Id: `https://contoso-kv.vault.azure.net/secrets/${objectName}/0123456789abcdef0123456789abcdef`,
      VaultName: 'contoso-kv', ObjectType: 'Secret', ObjectName: objectName,
      Version: '0123456789abcdef0123456789abcdef', NBF: null, EXP: exp ?? null,
    },
  };
}

function harness(secretName?: string) {
  const notices: TokenExpiryNotice[] = [];
  const logs: { level: string; text: string }[] = [];
  const handler = createKeyVaultEventHandler(async (n) => void notices.push(n), { secretName });
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
      kind: 'near-expiry', secretName: 'mdca-token', vaultName: 'contoso-kv',
      version: '0123456789abcdef0123456789abcdef', expiresOn: new Date(exp * 1000),
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
