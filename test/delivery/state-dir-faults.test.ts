// `run --once` (the real CLI process) on a state directory that fills up or turns read-only (issue 13,
// item 8): one clear CHECKPOINT_UNAVAILABLE naming RELAY_STATE_DIR, the run summary still printed, no
// stack trace, no lock or temp file left behind, and nothing lost once the directory is writable again.
// The directory is a small tmpfs mount (root, as in CI).
import { mkdtemp, readdir, rm, writeFile, appendFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateAlerts } from '../../src/simulator/fixtures.js';
import { startSimulator, type Simulator } from '../../src/simulator/server.js';
import { runCli } from '../support/cli.js';
import { fakeToken } from '../support/secrets.js';
import { startSyslogNg, type Receiver } from '../support/syslog-ng.js';
import { mountUnavailable, run } from '../support/tmpfs.js';
import { relaySettings } from '../support/relay-settings.js';

const token = fakeToken('state dir token');
let sim: Simulator;
let syslog: Receiver;
let mnt: string;
let mounted = false;

const noMount = await mountUnavailable();
if (noMount) console.warn(`state-dir-faults: skipped: ${noMount}`);

beforeAll(async () => {
  if (noMount) return;
  [sim, syslog] = await Promise.all([startSimulator({ tokens: [token], rateLimit: false }), startSyslogNg({ mode: 'tcp-octet', raw: true })]);
  mnt = await mkdtemp(path.join(os.tmpdir(), 'relay-state-mnt-'));
  await run('mount', ['-t', 'tmpfs', '-o', 'size=512k', 'tmpfs', mnt]);
  mounted = true;
});
afterAll(async () => {
  if (mounted) await run('umount', [mnt]).catch(() => undefined);
  await Promise.all([sim?.close(), syslog?.stop()]);
  if (mnt) await rm(mnt, { recursive: true, force: true });
});

const env = () => relaySettings(sim.url, token, syslog.port, { SYSLOG_CONNECT_TIMEOUT: 'PT2S', RELAY_STATE_DIR: path.join(mnt, 'state'), RELAY_NAME: 'statedir' });

async function leftovers(): Promise<string[]> {
  const names = (await readdir(mnt, { recursive: true })) as string[];
  return names.filter((n) => /\.lock|\.tmp$/.test(n));
}

async function fillUp(file: string): Promise<void> {
  const chunk = Buffer.alloc(4096, 1);
  for (;;) {
    try {
      await appendFile(file, chunk);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOSPC') return;
      throw err;
    }
  }
}

/** Ids not (yet) written by the receiver, after waiting up to 10 s for the daemon to flush. */
async function missing(ids: string[]): Promise<string[]> {
  let left = ids;
  for (let i = 0; i < 50 && left.length > 0; i++) {
    const text = (await syslog.lines()).join('\n');
    left = ids.filter((id) => !text.includes(`externalId=${id}`));
    if (left.length > 0) await new Promise((r) => setTimeout(r, 200));
  }
  return left;
}

describe.skipIf(noMount !== undefined)('run --once on a state directory that fails', () => {
  it('full, then read-only: a clear error naming RELAY_STATE_DIR each time, the summary printed, nothing left behind, nothing lost', async () => {
    const now = Date.now();
    const first = generateAlerts(30, { seed: 71, start: now - 3_600_000, end: now - 60_000 });
    sim.addAlerts(first);
    const ok = await runCli(['run', '--once'], env());
    expect(ok.code, ok.stderr).toBe(0);

    // Disk full: two runs fail the same clean way.
    const second = generateAlerts(20, { seed: 72, start: now - 50_000, end: now - 1000 });
    sim.addAlerts(second);
    const filler = path.join(mnt, 'filler');
    await fillUp(filler);
    for (let i = 0; i < 2; i++) {
      const r = await runCli(['run', '--once'], env());
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/^relay (failure|partial) .*lag=\d+s .*error=CHECKPOINT_UNAVAILABLE/m);
      expect(r.stderr + r.stdout).toMatch(/RELAY_STATE_DIR.*disk full|disk full.*RELAY_STATE_DIR/);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    }
    expect(await leftovers()).toEqual([]);

    // Read-only: the same, with the reason.
    await rm(filler);
    await run('mount', ['-o', 'remount,ro', mnt]);
    try {
      const r = await runCli(['run', '--once'], env());
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/^relay (failure|partial) .*error=CHECKPOINT_UNAVAILABLE/m);
      expect(r.stderr + r.stdout).toMatch(/read-only/);
    } finally {
      await run('mount', ['-o', 'remount,rw', mnt]);
    }
    expect(await leftovers()).toEqual([]);

    // Writable again: the next run delivers what the failed ones could not commit.
    const again = await runCli(['run', '--once'], env());
    expect(again.code, again.stderr).toBe(0);
    expect(await missing([...first, ...second].map((a) => a._id))).toEqual([]);
    await writeFile(path.join(mnt, 'probe'), 'ok'); // and the directory is still usable
  });
});
