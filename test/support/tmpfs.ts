// Small tmpfs mounts for the full and read-only file system tests (root and CAP_SYS_ADMIN, as CI runs).
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

export const run = promisify(execFile);

/**
 * Why mounting a tmpfs is impossible here, or undefined when it works. A developer without root gets
 * a reason to skip; CI (CI=true, root) must have it, so there a missing mount fails instead of skipping.
 */
export async function mountUnavailable(): Promise<string | undefined> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'relay-mount-probe-'));
  let why: string | undefined;
  try {
    await run('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir]);
    await run('umount', [dir]);
  } catch (err) {
    why = `cannot mount a tmpfs (needs root and CAP_SYS_ADMIN): ${(err as Error).message.split('\n')[0]}`;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  requiredInCi(why);
  return why;
}

/** In CI a missing part is a failure, never a skip. */
export function requiredInCi(why: string | undefined): void {
  if (why !== undefined && process.env.CI) throw new Error(`${why} (CI must provide it: the file system fault tests would otherwise skip)`);
}
