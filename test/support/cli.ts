// Runs the built CLI (dist/) as a child process, as a user would.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

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
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
    if (input !== undefined) child.stdin?.end(input);
    else child.stdin?.end();
  });
}

export function spawnCli(args: string[], env: Record<string, string | undefined>): ChildProcess {
  ensureBuilt();
  return spawn(process.execPath, [cliPath, ...args], { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
}
