// The directory store on a real full, read-only, immutable or misplaced state directory: each write
// fails with CHECKPOINT_UNAVAILABLE naming RELAY_STATE_DIR and the reason, leaves no lock or temporary
// file behind, and never damages the previous checkpoint (issue 13, item 8).
// The full and read-only file systems are small tmpfs mounts (this needs root, as CI runs).
import { appendFile, mkdtemp, readdir, readFile, rm, truncate, writeFile, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isRelayError } from '../../src/errors.js';
import { FileStateStore } from '../../src/state/file-store.js';
import type { CheckpointRecord } from '../../src/state/types.js';
import { mountUnavailable, requiredInCi, run } from '../support/tmpfs.js';


function record(watermark: number, ids = 1): CheckpointRecord {
  const sent: Record<string, number> = {};
  for (let i = 0; i < ids; i++) sent[`${watermark}-${i.toString(16).padStart(24, '0')}`] = watermark;
  return { cursor: { watermark, sent }, deliveredTotal: watermark, updatedAt: watermark };
}

const noMount = await mountUnavailable();
if (noMount) console.warn(`file-store-faults: skipping the full and read-only file system tests: ${noMount}`);
const noChattr = await run('chattr', ['--help']).then(
  () => undefined,
  (err: NodeJS.ErrnoException & { stderr?: string }) => (err.code === 'ENOENT' ? 'chattr is not installed (e2fsprogs)' : undefined),
);
requiredInCi(noChattr);

/** Every file under `dir` except the filler, with its size (what a failed write might leave). */
async function listing(dir: string): Promise<string[]> {
  const names = (await readdir(dir, { recursive: true })) as string[];
  const out: string[] = [];
  for (const name of names.sort()) {
    if (name === 'filler') continue;
    const s = await stat(path.join(dir, name));
    out.push(s.isDirectory() ? `${name}/` : `${name} ${s.size}`);
  }
  return out;
}

/** Appends to `file` until the file system is full; returns the bytes written. */
async function fill(file: string): Promise<number> {
  const chunk = Buffer.alloc(4096, 1);
  let size = 0;
  for (;;) {
    try {
      await appendFile(file, chunk);
      size += chunk.length;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOSPC') return size;
      throw err;
    }
  }
}

function expectUnavailable(err: unknown, dir: string, reason: RegExp, code: string): void {
  expect(isRelayError(err, 'CHECKPOINT_UNAVAILABLE'), String(err)).toBe(true);
  const message = (err as Error).message;
  expect(message).toContain('RELAY_STATE_DIR');
  expect(message).toContain(dir);
  expect(message).toMatch(reason);
  expect(message).toContain(`(${code})`);
}

describe.skipIf(noMount !== undefined)('directory store on a small tmpfs', () => {
  let mnt: string;
  let store: FileStateStore;
  let relayDir: string;
  beforeEach(async () => {
    mnt = await mkdtemp(path.join(os.tmpdir(), 'relay-faults-'));
    await run('mount', ['-t', 'tmpfs', '-o', 'size=256k,mode=0700', 'tmpfs', mnt]);
    store = new FileStateStore(mnt, 'relay');
    relayDir = path.join(mnt, 'relay');
  });
  afterEach(async () => {
    await run('umount', [mnt]).catch(() => run('umount', ['-l', mnt]));
    await rm(mnt, { recursive: true, force: true });
  });

  it('on a full disk, every write fails as "disk full", leaves no file behind and keeps the last checkpoint', async () => {
    const etag = await store.writeCheckpoint('alerts', record(1), undefined);
    await store.updateStatus(() => ({ relayName: 'relay', createdAt: 1 }));
    const before = await listing(mnt);
    const saved = await readFile(path.join(relayDir, 'checkpoint-alerts.json'));
    await fill(path.join(mnt, 'filler'));

    for (let i = 0; i < 3; i++) {
      expectUnavailable(await store.writeCheckpoint('alerts', record(2), etag).catch((e: unknown) => e), relayDir, /disk full/, 'ENOSPC');
      expectUnavailable(await store.updateStatus((s) => ({ ...s!, lastRunAt: 2 })).catch((e: unknown) => e), relayDir, /disk full/, 'ENOSPC');
    }
    expect(await listing(mnt)).toEqual(before);
    expect(await readFile(path.join(relayDir, 'checkpoint-alerts.json'))).toEqual(saved);
    expect(await store.readCheckpoint('alerts')).toEqual({ value: record(1), etag });

    // Room again: the same conditional write now succeeds (nothing moved the version meanwhile).
    await rm(path.join(mnt, 'filler'));
    const next = await store.writeCheckpoint('alerts', record(2), etag);
    expect(await store.readCheckpoint('alerts')).toEqual({ value: record(2), etag: next });
  });

  it('with room for the lock but not the checkpoint, the half-written temporary file is removed', async () => {
    const etag = await store.writeCheckpoint('activities', record(1), undefined);
    const before = await listing(mnt);
    const saved = await readFile(path.join(relayDir, 'checkpoint-activities.json'));
    const filler = path.join(mnt, 'filler');
    const size = await fill(filler);
    await truncate(filler, size - 16 * 1024); // 16 KiB free: the lock fits, a 200 KB checkpoint does not

    for (let i = 0; i < 3; i++) {
      expectUnavailable(await store.writeCheckpoint('activities', record(2, 4000), etag).catch((e: unknown) => e), relayDir, /disk full/, 'ENOSPC');
    }
    expect(await listing(mnt)).toEqual(before);
    expect(await readFile(path.join(relayDir, 'checkpoint-activities.json'))).toEqual(saved);
    expect(await store.readCheckpoint('activities')).toEqual({ value: record(1), etag });
  });

  it('on a read-only file system, writes fail as "read-only" and reads still work', async () => {
    const etag = await store.writeCheckpoint('alerts', record(1), undefined);
    await store.updateStatus(() => ({ relayName: 'relay', createdAt: 1 }));
    const before = await listing(mnt);
    await run('mount', ['-o', 'remount,ro', mnt]);
    try {
      for (let i = 0; i < 3; i++) {
        expectUnavailable(await store.writeCheckpoint('alerts', record(2), etag).catch((e: unknown) => e), relayDir, /read-only/, 'EROFS');
        expectUnavailable(await store.updateStatus((s) => ({ ...s!, lastRunAt: 2 })).catch((e: unknown) => e), relayDir, /read-only/, 'EROFS');
      }
      // A relay named for the first time needs a directory it cannot create.
      const fresh = new FileStateStore(mnt, 'other');
      expectUnavailable(await fresh.writeCheckpoint('alerts', record(1), undefined).catch((e: unknown) => e), path.join(mnt, 'other'), /read-only/, 'EROFS');
      expect(await store.readCheckpoint('alerts')).toEqual({ value: record(1), etag });
      expect((await store.readStatus())?.createdAt).toBe(1);
    } finally {
      await run('mount', ['-o', 'remount,rw', mnt]);
    }
    expect(await listing(mnt)).toEqual(before);
    const next = await store.writeCheckpoint('alerts', record(2), etag);
    expect(await store.readCheckpoint('alerts')).toEqual({ value: record(2), etag: next });
  });

  it.skipIf(noChattr !== undefined)('in an immutable directory (even root may not write), writes fail as "permission denied"', async () => {
    const etag = await store.writeCheckpoint('alerts', record(1), undefined);
    const before = await listing(mnt);
    await run('chattr', ['+i', relayDir]);
    try {
      for (let i = 0; i < 3; i++) {
        expectUnavailable(await store.writeCheckpoint('alerts', record(2), etag).catch((e: unknown) => e), relayDir, /permission denied/, 'EPERM');
      }
    } finally {
      await run('chattr', ['-i', relayDir]);
    }
    expect(await listing(mnt)).toEqual(before);
    expect(await store.readCheckpoint('alerts')).toEqual({ value: record(1), etag });
  });
});

describe('directory store, misplaced or busy directory', () => {
  let tmp: string;
  beforeEach(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'relay-faults-'));
  });
  afterEach(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('under a regular file, reads and writes fail as "not a directory"', async () => {
    await writeFile(path.join(tmp, 'state'), 'not a directory');
    const store = new FileStateStore(path.join(tmp, 'state'), 'relay');
    const dir = path.join(tmp, 'state', 'relay');
    expectUnavailable(await store.writeCheckpoint('alerts', record(1), undefined).catch((e: unknown) => e), dir, /not a directory/, 'ENOTDIR');
    expectUnavailable(await store.readCheckpoint('alerts').catch((e: unknown) => e), dir, /not a directory/, 'ENOTDIR');
    expectUnavailable(await store.updateStatus(() => ({ relayName: 'relay', createdAt: 1 })).catch((e: unknown) => e), dir, /not a directory/, 'ENOTDIR');
    expect(await readdir(tmp)).toEqual(['state']);
  });

  it('a directory removed between writes is made again (the store remembers it made it once)', async () => {
    const store = new FileStateStore(path.join(tmp, 'state'), 'relay');
    const first = await store.writeCheckpoint('alerts', record(1), undefined);
    expect(await store.readCheckpoint('alerts')).toEqual({ value: record(1), etag: first });
    await rm(path.join(tmp, 'state'), { recursive: true });
    // The checkpoint went with it: the write that follows is conditional on there being none.
    await store.writeCheckpoint('alerts', record(2), first).then(
      () => expect.unreachable('a write against a vanished checkpoint must conflict'),
      (err: unknown) => expect(isRelayError(err, 'CHECKPOINT_CONFLICT'), String(err)).toBe(true),
    );
    const again = await store.writeCheckpoint('alerts', record(3), undefined);
    expect(await store.readCheckpoint('alerts')).toEqual({ value: record(3), etag: again });
    await store.updateStatus(() => ({ relayName: 'relay', createdAt: 3 }));
    expect(await listing(path.join(tmp, 'state'))).toEqual(['relay/', `relay/checkpoint-alerts.json ${(await stat(path.join(tmp, 'state', 'relay', 'checkpoint-alerts.json'))).size}`, `relay/status.json ${(await stat(path.join(tmp, 'state', 'relay', 'status.json'))).size}`]);
  });

  it("ends a wait for another process's lock at once with the signal's reason, leaving no file", { timeout: 5_000 }, async () => {
    const store = new FileStateStore(tmp, 'relay');
    const etag = await store.writeCheckpoint('alerts', record(1), undefined);
    // A fresh lock of a live local process (pid 1): the store would wait 10 s before giving up.
    const lock = path.join(tmp, 'relay', 'checkpoint-alerts.lock');
    await writeFile(lock, `${os.hostname()} 1 ${Date.now()}`);
    const before = await listing(tmp);
    const controller = new AbortController();
    const pending = store.writeCheckpoint('alerts', record(2), etag, controller.signal).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 100));
    const reason = new Error('time budget ended');
    controller.abort(reason);
    expect(await pending).toBe(reason);
    expect(await listing(tmp)).toEqual(before);
    await rm(lock);
    expect(await store.readCheckpoint('alerts')).toEqual({ value: record(1), etag });
    expect(await store.readStatus(AbortSignal.abort(reason)).catch((e: unknown) => e)).toBe(reason);
  });
});
