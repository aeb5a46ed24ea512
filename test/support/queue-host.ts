// What the Functions host's queue trigger does with a Storage queue, against Azurite's real queue service, so a
// test can drive a queue handler the way Azure would (Azure.Storage.Queues extension, host.json extensions.queues):
//  - fetch up to `batchSize` messages at once, and fetch again when no more than `newBatchThreshold` are running
//    (so at most batchSize + newBatchThreshold handlers run at once);
//  - decode base64, hand JSON over parsed (what the Node.js worker does), with the dequeue count in triggerMetadata;
//  - delete a message whose handler returned; make a failed one visible again after `retryAfterSeconds`
//    (host.json visibilityTimeout; tests scale it down); after `maxDequeueCount` failed attempts move it to
//    `<queue>-poison` and delete it.
// It stops when the queue is empty (invisible messages count) and nothing is running.
import { InvocationContext } from '@azure/functions';
import { QueueServiceClient, type DequeuedMessageItem } from '@azure/storage-queue';

export interface QueueHostOptions {
  connectionString: string;
  queueName: string;
  handler: (body: unknown, context: InvocationContext) => Promise<void>;
  batchSize: number;
  newBatchThreshold: number;
  maxDequeueCount: number;
  retryAfterSeconds: number;
  /** Every line an invocation logs goes here too (the redaction guard, a log collector). */
  onLog?: (line: string) => void;
}

export interface Invocation {
  body: unknown;
  dequeueCount: number;
  ok: boolean;
  error?: string;
  logs: string[];
  poisoned: boolean;
}

function decode(m: DequeuedMessageItem): unknown {
  const text = Buffer.from(m.messageText, 'base64').toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Runs the handler over the queue until it is empty; returns every invocation, in completion order. */
export async function drainQueue(o: QueueHostOptions): Promise<{ invocations: Invocation[]; maxConcurrent: number }> {
  const service = QueueServiceClient.fromConnectionString(o.connectionString);
  const queue = service.getQueueClient(o.queueName);
  const poison = service.getQueueClient(`${o.queueName}-poison`);
  await poison.createIfNotExists();
  const invocations: Invocation[] = [];
  const running = new Set<Promise<void>>();
  let maxConcurrent = 0;
  let n = 0;

  const handle = async (m: DequeuedMessageItem): Promise<void> => {
    const logs: string[] = [];
    const context = new InvocationContext({
      invocationId: `queue-host-${++n}`,
      functionName: 'tenantRun',
      triggerMetadata: { id: m.messageId, dequeueCount: m.dequeueCount, insertionTime: m.insertedOn.toISOString(), expirationTime: m.expiresOn.toISOString(), popReceipt: m.popReceipt },
      logHandler: (_level, ...args) => {
        const line = args.map(String).join(' ');
        logs.push(line);
        o.onLog?.(line);
      },
    });
    const body = decode(m);
    try {
      await o.handler(body, context);
      await queue.deleteMessage(m.messageId, m.popReceipt);
      invocations.push({ body, dequeueCount: m.dequeueCount, ok: true, logs, poisoned: false });
    } catch (err) {
      const last = m.dequeueCount >= o.maxDequeueCount;
      if (last) {
        await poison.sendMessage(m.messageText);
        await queue.deleteMessage(m.messageId, m.popReceipt);
      } else {
        await queue.updateMessage(m.messageId, m.popReceipt, undefined, o.retryAfterSeconds);
      }
      invocations.push({ body, dequeueCount: m.dequeueCount, ok: false, error: (err as Error).message, logs, poisoned: last });
    }
  };

  for (;;) {
    if (running.size <= o.newBatchThreshold) {
      // Invisible while the handler runs (the host renews this; 10 min covers any test run).
      const got = await queue.receiveMessages({ numberOfMessages: o.batchSize, visibilityTimeout: 600 });
      for (const m of got.receivedMessageItems) {
        const p: Promise<void> = handle(m).finally(() => running.delete(p));
        running.add(p);
      }
      maxConcurrent = Math.max(maxConcurrent, running.size);
      if (got.receivedMessageItems.length > 0) continue;
    }
    if (running.size > 0) {
      await Promise.race([...running, new Promise((r) => setTimeout(r, 100))]);
      continue;
    }
    // Nothing running and nothing visible: done once no message waits for its retry either.
    if (((await queue.getProperties()).approximateMessagesCount ?? 0) === 0) return { invocations, maxConcurrent };
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The poison queue's messages (peeked, decoded). */
export async function poisonMessages(connectionString: string, queueName: string): Promise<unknown[]> {
  const poison = QueueServiceClient.fromConnectionString(connectionString).getQueueClient(`${queueName}-poison`);
  const out: unknown[] = [];
  const peeked = await poison.peekMessages({ numberOfMessages: 32 });
  for (const m of peeked.peekedMessageItems) out.push(JSON.parse(Buffer.from(m.messageText, 'base64').toString('utf8')));
  return out;
}
