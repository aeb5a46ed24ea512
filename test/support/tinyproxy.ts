// Starts Debian's tinyproxy on a free loopback port with its own config, in the foreground, for proxy tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitForListening } from './ports.js';

export interface Tinyproxy {
  port: number;
  /** `http://127.0.0.1:<port>` (with credentials when started with some). */
  url: string;
  /** What tinyproxy logged so far (CONNECT lines show a request went through it). */
  log(): Promise<string>;
  stop(): Promise<void>;
}

export async function startTinyproxy(options: { basicAuth?: { user: string; password: string } } = {}): Promise<Tinyproxy> {
  const dir = await mkdtemp(join(tmpdir(), 'tinyproxy-'));
  const port = await freePort();
  const logFile = join(dir, 'tinyproxy.log');
  const conf = [
    `Port ${port}`,
    'Listen 127.0.0.1',
    'Timeout 30',
    `LogFile "${logFile}"`,
    'LogLevel Connect',
    `PidFile "${join(dir, 'tinyproxy.pid')}"`,
    'MaxClients 20',
    'Allow 127.0.0.1',
    // No ConnectPort line: CONNECT is allowed to every port (tinyproxy.conf(5)), the simulator's included.
    ...(options.basicAuth ? [`BasicAuth ${options.basicAuth.user} ${options.basicAuth.password}`] : []),
    '',
  ].join('\n');
  const confFile = join(dir, 'tinyproxy.conf');
  await writeFile(confFile, conf);
  const child: ChildProcess = spawn('tinyproxy', ['-d', '-c', confFile], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  let exited = false;
  child.on('exit', () => (exited = true));
  await waitForListening(port, 'tinyproxy', () => (exited ? stderr : undefined), 10_000);

  const auth = options.basicAuth ? `${encodeURIComponent(options.basicAuth.user)}:${encodeURIComponent(options.basicAuth.password)}@` : '';
  return {
    port,
    url: `http://${auth}127.0.0.1:${port}`,
    log: () => readFile(logFile, 'utf8').catch(() => ''),
    stop: async () => {
      if (!exited) {
        const gone = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await gone;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
