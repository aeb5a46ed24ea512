// Starts Azurite's Table service on a free loopback port with in-memory persistence.
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
  connectionString: string;
  stop(): Promise<void>;
}

export async function startAzurite(): Promise<Azurite> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    path.join(repo, 'node_modules', '.bin', 'azurite-table'),
    ['--inMemoryPersistence', '--disableTelemetry', '--skipApiVersionCheck', '--silent', '--tableHost', '127.0.0.1', '--tablePort', String(port)],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  let exited = false;
  child.once('exit', () => (exited = true));
  await waitForListening(port, 'azurite-table', () => (exited ? stderr : undefined), 20_000);

  return {
    port,
    connectionString: `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT};AccountKey=${DEV_KEY};TableEndpoint=http://127.0.0.1:${port}/${DEV_ACCOUNT};`,
    stop: () =>
      new Promise<void>((resolve) => {
        if (exited) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
