// The closing line counts a failed setup as failures: a file whose beforeAll throws is not "skipped".
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function runFixtures(): Promise<{ code: number | null; out: string }> {
  const config = path.join(ROOT, 'test/support/fixtures/summary.vitest.config.ts');
  const args = [path.join(ROOT, 'node_modules/vitest/vitest.mjs'), 'run', '--config', config, '--reporter=./test/support/summary-reporter.ts'];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, CI: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.stderr.resume();
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
}

it('counts tests under a failed beforeAll and a failed afterAll as failed, and keeps it.skip a skip', async () => {
  const { code, out } = await runFixtures();
  expect(code).toBe(1);
  // failed-setup: 2 tests never ran (failed), 1 passed, 1 it.skip; failed-teardown: 1 passed + the afterAll.
  expect(out.trim().split('\n').at(-1)).toBe('tests: 2 passed, 3 failed, 1 skipped');
}, 60_000);
