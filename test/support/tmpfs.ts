// Small tmpfs mounts for the full and read-only file system tests (root and CAP_SYS_ADMIN, as CI runs).
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

export const run = promisify(execFile);

/** Why mounting a tmpfs is impossible here, or undefined when it works. */
export async function mountUnavailable(): Promise<string | undefined> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'relay-mount-probe-'));
  try {
    await run('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir]);
    await run('umount', [dir]);
    return undefined;
  } catch (err) {
    return `cannot mount a tmpfs (needs root and CAP_SYS_ADMIN): ${(err as Error).message.split('\n')[0]}`;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
