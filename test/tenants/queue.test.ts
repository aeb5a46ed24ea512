// The fan-out queue part: the message format the dispatcher writes and the trigger accepts, the connection as the
// host resolves it, and failures that name the queue, never the connection string. Azurite's real queue service.
import { QueueServiceClient } from '@azure/storage-queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostQueueSettings } from '../../src/ops/function-host.js';
import { messageTtlSeconds } from '../../src/pipeline/fanout.js';
import { encodeTenantMessage, parseTenantMessage, TENANT_QUEUE, tenantQueue } from '../../src/tenants/queue.js';
import { startAzurite, type Azurite } from '../support/azurite.js';
import { freePort } from '../support/ports.js';

let azurite: Azurite;
beforeAll(async () => {
  azurite = await startAzurite({ queues: true });
});
afterAll(async () => azurite?.stop());

describe('tenant queue messages', () => {
  it('round-trip through the queue as the host hands them over (base64 JSON, decoded and parsed)', async () => {
    await tenantQueue({ AzureWebJobsStorage: azurite.connectionString }).send([{ tenant: 'contoso', enqueuedAt: 1_700_000_000_000 }, { tenant: 'fabrikam_2', enqueuedAt: 1_700_000_000_001 }], 120);
    const q = QueueServiceClient.fromConnectionString(azurite.connectionString).getQueueClient(TENANT_QUEUE);
    const got = (await q.receiveMessages({ numberOfMessages: 10 })).receivedMessageItems;
    const bodies = got.map((m) => JSON.parse(Buffer.from(m.messageText, 'base64').toString('utf8')) as unknown);
    expect(bodies.map((b) => parseTenantMessage(b)).sort((a, b) => a.tenant.localeCompare(b.tenant))).toEqual([
      { tenant: 'contoso', enqueuedAt: 1_700_000_000_000 },
      { tenant: 'fabrikam_2', enqueuedAt: 1_700_000_000_001 },
    ]);
    // Expiry as asked: a stale tick's message leaves the queue by itself.
    for (const m of got) expect(m.expiresOn.getTime() - m.insertedOn.getTime()).toBe(120_000);
  });

  it('accepts the JSON as text too, and refuses anything a dispatcher did not write', () => {
    expect(parseTenantMessage('{"tenant":"contoso","enqueuedAt":5}')).toEqual({ tenant: 'contoso', enqueuedAt: 5 });
    expect(parseTenantMessage(JSON.parse(Buffer.from(encodeTenantMessage({ tenant: 'a1', enqueuedAt: 7 }), 'base64').toString('utf8')))).toEqual({ tenant: 'a1', enqueuedAt: 7 });
    for (const bad of ['contoso', '', null, 42, {}, { tenant: 'contoso' }, { tenant: '../etc', enqueuedAt: 1 }, { tenant: 'x'.repeat(64), enqueuedAt: 1 }, { tenant: 'ok', enqueuedAt: '1' }, { tenant: 'ok', enqueuedAt: Number.NaN }]) {
      expect(() => parseTenantMessage(bad), JSON.stringify(bad)).toThrow(/relay-tenants: a message must be \{"tenant"/);
    }
  });
});

describe('the queue connection', () => {
  it('is refused at once without host storage settings, naming the setting', () => {
    expect(() => tenantQueue({})).toThrow(/AzureWebJobsStorage__queueServiceUri: is required in multi-tenant mode/);
  });

  it('fails within its deadline when storage does not answer, naming the queue and never the account key', async () => {
    const port = await freePort();
    const key = /AccountKey=([^;]+)/.exec(azurite.connectionString)![1]!;
    const dead = azurite.connectionString.replace(/QueueEndpoint=[^;]+;/, `QueueEndpoint=http://127.0.0.1:${port}/devstoreaccount1;`);
    const err = (await tenantQueue({ AzureWebJobsStorage: dead }, { timeoutMs: 1_500 }).send([{ tenant: 'contoso', enqueuedAt: 1 }], 60).catch((e: unknown) => e)) as Error & { code?: string };
    expect(err.code).toBe('CHECKPOINT_UNAVAILABLE');
    expect(err.message).toMatch(/^queue relay-tenants in the AzureWebJobsStorage account: opening the queue (failed|got no answer)/);
    expect(err.message).not.toContain(key);
  });

  it('reports an absent poison queue as empty', async () => {
    expect(await tenantQueue({ AzureWebJobsStorage: azurite.connectionString }).poisonCount()).toBe(0);
  });
});

describe('message time to live', () => {
  it('covers every attempt running to its limit: maxDequeueCount x (functionTimeout + visibilityTimeout) from host.json', () => {
    const host = hostQueueSettings();
    expect(host).toEqual({ batchSize: 16, newBatchThreshold: 8, maxDequeueCount: 3, visibilityTimeoutMs: 30_000 });
    expect(messageTtlSeconds(host, 10 * 60_000)).toBe(3 * (600 + 30));
  });
});
