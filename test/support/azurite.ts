// Starts Azurite's Table service (and, when asked, its Queue service) on free loopback ports with in-memory
// persistence. One process per service (azurite-table, azurite-queue from the azurite devDependency): nothing
// starts Blob, which no test uses.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, waitForListening } from './ports.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

// The well-known Azurite development account key (public, documented; not a secret).
const DEV_ACCOUNT = 'devstoreaccount1';
const DEV_KEY = ['Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UV', 'ErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='].join('');

export interface Azurite {
  port: number;
  /** The queue service's port, when started with `{ queues: true }`. */
  queuePort?: number;
  /** TableEndpoint, and QueueEndpoint when the queue service runs: what AzureWebJobsStorage holds locally. */
  connectionString: string;
  stop(): Promise<void>;
}

interface Service {
  port: number;
  stop(): Promise<void>;
}

async function startService(kind: 'table' | 'queue'): Promise<Service> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    path.join(repo, 'node_modules', '.bin', `azurite-${kind}`),
    ['--inMemoryPersistence', '--disableTelemetry', '--skipApiVersionCheck', '--silent', `--${kind}Host`, '127.0.0.1', `--${kind}Port`, String(port)],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  let exited = false;
  child.once('exit', () => (exited = true));
  await waitForListening(port, `azurite-${kind}`, () => (exited ? stderr : undefined), 20_000).catch((err: unknown) => {
    child.kill('SIGKILL');
    throw err;
  });
  return {
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        if (exited) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

export async function startAzurite(options: { queues?: boolean } = {}): Promise<Azurite> {
  const [table, queue] = await Promise.all([startService('table'), options.queues ? startService('queue') : undefined]);
  const endpoints = [`TableEndpoint=http://127.0.0.1:${table.port}/${DEV_ACCOUNT};`, queue ? `QueueEndpoint=http://127.0.0.1:${queue.port}/${DEV_ACCOUNT};` : ''];
  return {
    port: table.port,
    queuePort: queue?.port,
    connectionString: `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT};AccountKey=${DEV_KEY};${endpoints.join('')}`,
    stop: async () => {
      await Promise.all([table.stop(), queue?.stop()]);
    },
  };
}
