// Helpers shared by the benchmark suites: percentiles and timing child processes.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** Runs `node -e script` and returns its stdout (trimmed). */
export function nodeEval(script: string, cwd = repo, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--input-type=module', '-e', script], { cwd, env, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${err.message}\n${stderr}`));
      else resolve(stdout.trim());
    });
  });
}

/** The baseline of every read figure: alerts/s of a bare skip-paging loop (no checks, no dedupe, no budget). */
export async function bareFetchRate(apiUrl: string, n: number, from: number): Promise<number> {
  const { default: fetch } = await import('node-fetch');
  const t0 = performance.now();
  for (let skip = 0; skip < n; skip += 100) {
    const res = await fetch(`${apiUrl}/api/v1/alerts/`, { method: 'POST', headers: { authorization: 'Token sim-token' }, body: JSON.stringify({ filters: { date: { gte: from } }, skip, limit: 100 }) });
    await res.json();
  }
  return n / ((performance.now() - t0) / 1000);
}
