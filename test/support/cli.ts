// Runs the built CLI (dist/) as a child process, as a user would.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { recordForGuard } from './secrets.js';

export const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const cliPath = path.join(repo, 'bin', 'mdca-siem-relay.js');

function ensureBuilt(): void {
  if (!existsSync(path.join(repo, 'dist', 'src', 'cli', 'main.js'))) throw new Error('dist/ is missing: run `npm run build` first (npm test does)');
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], env: Record<string, string | undefined>, input?: string): Promise<CliResult> {
  ensureBuilt();
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [cliPath, ...args], { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, encoding: 'utf8', timeout: 120_000 }, (err, stdout, stderr) => {
      // The CLI's output never reaches this process's stdout: hand it to the redaction guard.
      recordForGuard(`${stdout}\n${stderr}\n`);
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
    if (input !== undefined) child.stdin?.end(input);
    else child.stdin?.end();
  });
}

export function spawnCli(args: string[], env: Record<string, string | undefined>): ChildProcess {
  ensureBuilt();
  const child = spawn(process.execPath, [cliPath, ...args], { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  // Everything the child writes goes to the redaction guard too (a killed child's last lines included).
  // A second 'data' listener does not take data away from the test's own.
  child.stdout?.on('data', (d: Buffer) => recordForGuard(d.toString('utf8')));
  child.stderr?.on('data', (d: Buffer) => recordForGuard(d.toString('utf8')));
  return child;
}
