// The fan-out queue (multi-tenant mode, docs/multi-tenant.md): the dispatcher timer sends one message per
// enabled tenant, the `tenantRun` queue trigger takes one and runs that tenant. Messages live in host storage
// (AzureWebJobsStorage), reached the way the Functions host reaches it: a connection string locally (Azurite),
// `AzureWebJobsStorage__queueServiceUri` + the managed identity in Azure. infra/ creates both queues and grants
// the identity Storage Queue Data Contributor on those two alone.
//
// A message names the tenant and when it was sent, nothing else: the tenant's settings are read from the
// registry when it runs (so a change made between tick and run applies), and no secret ever sits in a queue.
import { setMaxListeners } from 'node:events';
import type { QueueClient } from '@azure/storage-queue';
import type { RawSettings } from '../config/load.js';
import { RelayError } from '../errors.js';
import { azureCredential } from '../secrets/credential.js';
import { TENANT_NAME } from './registry.js';

/** The queue's name: the trigger binds to it, infra/main.bicep creates it (names.tenantQueue). */
export const TENANT_QUEUE = 'relay-tenants';
/** Where the host moves a message after maxDequeueCount failed attempts (its `<queue>-poison` rule). */
export const TENANT_POISON_QUEUE = `${TENANT_QUEUE}-poison`;
/** The connection the trigger names: the host's own storage. */
export const TENANT_QUEUE_CONNECTION = 'AzureWebJobsStorage';

export interface TenantMessage {
  tenant: string;
  /** Epoch ms the dispatcher sent it: a message older than the tenant's last success is stale. */
  enqueuedAt: number;
}

/** The message text: JSON in base64, the encoding host.json names (extensions.queues.messageEncoding). */
export function encodeTenantMessage(m: TenantMessage): string {
  return Buffer.from(JSON.stringify({ tenant: m.tenant, enqueuedAt: m.enqueuedAt }), 'utf8').toString('base64');
}

/**
 * A message as the queue trigger hands it over (the host decodes base64 and the worker parses JSON), or as
 * text. Anything else is refused: a message no dispatcher wrote must not run anything.
 */
export function parseTenantMessage(body: unknown): TenantMessage {
  let value = body;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      value = undefined;
    }
  }
  const m = value as Partial<TenantMessage> | undefined;
  if (!m || typeof m !== 'object' || typeof m.tenant !== 'string' || !TENANT_NAME.test(m.tenant) || typeof m.enqueuedAt !== 'number' || !Number.isFinite(m.enqueuedAt)) {
    throw new RelayError('CONFIG_INVALID', 'config', `${TENANT_QUEUE}: a message must be {"tenant": "<name>", "enqueuedAt": <epoch ms>}; this one is not (dropped)`);
  }
  return { tenant: m.tenant, enqueuedAt: m.enqueuedAt };
}

export interface TenantQueue {
  /** Where the queue is, for messages (never a connection string). */
  readonly description: string;
  /** Sends one message per tenant; each expires after `ttlSeconds` if no instance took it. */
  send(messages: readonly TenantMessage[], ttlSeconds: number, signal?: AbortSignal): Promise<void>;
  /** Approximate number of messages in the poison queue (0 when it does not exist yet). */
  poisonCount(signal?: AbortSignal): Promise<number>;
}

const CALL_TIMEOUT_MS = 10_000;
/** Messages sent concurrently by the dispatcher. */
const SEND_AT_ONCE = 32;

/** The queue from the host storage settings, as the Functions host resolves the `AzureWebJobsStorage` connection. */
export function tenantQueue(env: RawSettings, options: { timeoutMs?: number } = {}): TenantQueue {
  const timeoutMs = options.timeoutMs ?? CALL_TIMEOUT_MS;
  const connection = env.AzureWebJobsStorage?.trim();
  const uri = env.AzureWebJobsStorage__queueServiceUri?.trim() || (env.AzureWebJobsStorage__accountName?.trim() ? `https://${env.AzureWebJobsStorage__accountName.trim()}.queue.core.windows.net` : '');
  if (!connection && !uri) {
    throw new RelayError('CONFIG_INVALID', 'config', 'AzureWebJobsStorage__queueServiceUri: is required in multi-tenant mode (the fan-out queue lives in host storage; or set AzureWebJobsStorage to a connection string locally)');
  }
  const where = `queue ${TENANT_QUEUE} in ${connection ? 'the AzureWebJobsStorage account' : new URL(uri).host}`;
  const clientId = env.AzureWebJobsStorage__clientId || env.AZURE_CLIENT_ID || undefined;
  // The SDK loads on first use, as the Tables SDK does: the status function starts without it.
  const client = async (name: string): Promise<QueueClient> => {
    const { QueueServiceClient } = await import('@azure/storage-queue');
    const service = connection ? QueueServiceClient.fromConnectionString(connection) : new QueueServiceClient(uri, azureCredential({ clientId }));
    return service.getQueueClient(name);
  };
  let main: Promise<QueueClient> | undefined;
  const call = async <T>(what: string, run: (abortSignal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T> => {
    const abortSignal = signal ? AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) : AbortSignal.timeout(timeoutMs);
    // A chunk's SEND_AT_ONCE requests each listen on it: not a leak, so no MaxListenersExceededWarning.
    setMaxListeners(SEND_AT_ONCE + 1, abortSignal);
    try {
      return await run(abortSignal);
    } catch (err) {
      if (err instanceof RelayError) throw err;
      const timedOut = abortSignal.aborted && !signal?.aborted;
      const code = (err as { code?: string }).code ?? (err as { statusCode?: number }).statusCode ?? 'error';
      throw new RelayError('CHECKPOINT_UNAVAILABLE', 'checkpoint', `${where}: ${what} ${timedOut ? `got no answer within ${timeoutMs} ms` : `failed (${code})`}`, { cause: err });
    }
  };
  return {
    description: where,
    async send(messages, ttlSeconds, signal) {
      const q = await call(
        'opening the queue',
        async (abortSignal) => {
          main ??= client(TENANT_QUEUE).then(async (c) => {
            await c.createIfNotExists({ abortSignal });
            return c;
          });
          return main.catch((err: unknown) => {
            main = undefined;
            throw err;
          });
        },
        signal,
      );
      // One request per message (the service has no batch send), SEND_AT_ONCE in flight: hundreds of tenants take a
      // few round trips, each chunk with its own deadline.
      for (let i = 0; i < messages.length; i += SEND_AT_ONCE) {
        const chunk = messages.slice(i, i + SEND_AT_ONCE);
        await call(
          `sending tenant messages ${i + 1}-${i + chunk.length} of ${messages.length}`,
          (abortSignal) => Promise.all(chunk.map((m) => q.sendMessage(encodeTenantMessage(m), { messageTimeToLive: ttlSeconds, abortSignal }))),
          signal,
        );
      }
    },
    poisonCount: (signal) =>
      call(
        `reading the length of ${TENANT_POISON_QUEUE}`,
        async (abortSignal) => {
          const q = await client(TENANT_POISON_QUEUE);
          try {
            return (await q.getProperties({ abortSignal })).approximateMessagesCount ?? 0;
          } catch (err) {
            if ((err as { statusCode?: number }).statusCode === 404) return 0;
            throw err;
          }
        },
        signal,
      ),
  };
}
