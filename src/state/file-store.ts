// Checkpoints and status as JSON files in a local directory (the CLI's store).
// Writes are atomic (temp file, fsync, rename) and conditional: a version counter plays the ETag,
// compared under an exclusive lock file so two processes on one directory cannot both win.
//
// Failures (issue 13, item 8: a full or read-only RELAY_STATE_DIR gave raw ENOSPC/EROFS and left
// empty lock files behind, two per failed run):
//  - Every file system error becomes CHECKPOINT_UNAVAILABLE naming the directory, RELAY_STATE_DIR,
//    the operation and a plain reason (disk full, read-only, permission, no such directory).
//  - No failure leaves a file behind: the lock's and the write's temporary files are removed on
//    every path, and a failed cleanup is tolerated (it never hides the original error).
//  - A failed write never touches the previous file: it is replaced only by rename of a complete,
//    fsynced temporary file.
//  - An abort of the caller's signal rethrows `signal.reason` (as the Table store does). It is
//    honoured between steps and while waiting for another process's lock, never between writing
//    the temporary file and renaming it (local steps that take milliseconds).
import { constants } from 'node:fs';
import { link, mkdir, open, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { RelayError } from '../errors.js';
import { systemClock } from '../ops/clock.js';
import { pidAlive } from './pid.js';
import type { Stream as DataType } from '../sources/types.js';
import type { CheckpointRecord, StateStore, StatusRecord, Versioned } from './types.js';

interface Envelope<T> {
  version: number;
  value: T;
}

const LOCK_STALE_MS = 30_000;
const LOCK_WAIT_MS = 10_000;

const REASONS: Record<string, string> = {
  ENOSPC: 'disk full',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'permission denied (or the file is immutable)',
  ENOENT: 'the path does not exist or is not a directory',
  ENOTDIR: 'the path does not exist or is not a directory',
  EISDIR: 'a directory is in the way of a file',
  EIO: 'I/O error',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files',
};

function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_');
}

function codeOf(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/** Removes a temporary file; a failure here must not hide the error being reported. (unlink, not
 *  rm: rm's recursive machinery costs a stat and more, on every checkpoint of every page.) */
async function discard(file: string): Promise<void> {
  await unlink(file).catch(() => undefined);
}

export class FileStateStore implements StateStore {
  readonly description: string;
  private readonly dir: string;
  /** The directory was created (or found): later writes skip the mkdir until one finds it gone. */
  private dirReady = false;

  constructor(baseDir: string, relayName: string) {
    this.dir = path.join(baseDir, safeName(relayName));
    this.description = `directory ${this.dir}`;
  }

  private file(name: string): string {
    return path.join(this.dir, `${name}.json`);
  }

  /** The error for a failed file system step; the caller's abort keeps its own reason. */
  private failure(what: string, err: unknown, signal: AbortSignal | undefined): unknown {
    if (signal?.aborted) return signal.reason;
    if (err instanceof RelayError) return err;
    const code = codeOf(err) ?? 'error';
    const reason = REASONS[code] ?? 'file system error';
    return new RelayError('CHECKPOINT_UNAVAILABLE', 'checkpoint', `cannot ${what} in ${this.dir} (RELAY_STATE_DIR): ${reason} (${code})`, { cause: err });
  }

  private async read<T>(name: string, signal: AbortSignal | undefined): Promise<Envelope<T> | undefined> {
    signal?.throwIfAborted();
    let text: string;
    try {
      text = await readFile(this.file(name), { encoding: 'utf8', signal });
    } catch (err) {
      if (codeOf(err) === 'ENOENT' && !signal?.aborted) return undefined;
      throw this.failure(`read ${name}`, err, signal);
    }
    try {
      return JSON.parse(text) as Envelope<T>;
    } catch (err) {
      throw new RelayError('CHECKPOINT_UNAVAILABLE', 'checkpoint', `${this.file(name)} is corrupt (not JSON); restore it or remove it to start over`, { cause: err });
    }
  }

  /** Replaces `name` by a complete, fsynced file, or leaves it as it was (and no temporary file). */
  private async writeAtomic(name: string, data: unknown): Promise<void> {
    const target = this.file(name);
    const tmp = `${target}.${process.pid}.${Date.now()}.tmp`;
    let renamed = false;
    try {
      const fh = await open(tmp, 'w', 0o600);
      let closed = false;
      try {
        await fh.writeFile(JSON.stringify(data, null, 2) + '\n');
        await fh.sync();
        closed = true; // a failing close reports a lost write (NFS, full disk): it is not swallowed
        await fh.close();
      } finally {
        if (!closed) await fh.close().catch(() => undefined);
      }
      await rename(tmp, target);
      renamed = true;
    } catch (err) {
      throw this.failure(`write ${name}`, err, undefined);
    } finally {
      if (!renamed) await discard(tmp);
    }
    // fsync the directory so the rename itself survives a power cut
    const dh = await open(this.dir, constants.O_RDONLY).catch(() => undefined);
    await dh?.sync().catch(() => undefined);
    await dh?.close().catch(() => undefined);
  }

  /**
   * The store's directory, with its parents. A recursive mkdir reports ENOENT for any parent it
   * could not create (a read-only file system, a permission), the "ENOENT mkdir" of issue 13:
   * creating the first missing level alone gives the real reason.
   */
  private async makeDir(): Promise<void> {
    try {
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      return;
    } catch (err) {
      if (codeOf(err) !== 'ENOENT') throw err;
    }
    let missing = this.dir;
    for (let parent = path.dirname(missing); parent !== missing; missing = parent, parent = path.dirname(parent)) {
      if (await stat(parent).then((s) => s.isDirectory(), () => false)) break;
    }
    await mkdir(missing, { mode: 0o700 }).catch((err: unknown) => {
      if (codeOf(err) !== 'EEXIST') throw err;
    });
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
  }

  private async ensureDir(signal: AbortSignal | undefined): Promise<void> {
    if (this.dirReady) return;
    try {
      await this.makeDir();
    } catch (err) {
      throw this.failure('create the directory', err, signal);
    }
    this.dirReady = true;
  }

  /**
   * Exclusive lock file holding `host pid time`. It is created complete (written under a temporary
   * name, then hard-linked into place, which fails if the lock exists), so a process killed while
   * taking it never leaves an empty lock. A lock of a dead local process, or an old one, is broken.
   */
  private async withLock<T>(name: string, signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> {
    signal?.throwIfAborted();
    await this.ensureDir(signal);
    const lock = path.join(this.dir, `${name}.lock`);
    const deadline = Date.now() + LOCK_WAIT_MS;
    let remade = false;
    for (;;) {
      const tmp = `${lock}.${process.pid}.${Math.random().toString(36).slice(2)}`;
      let taken = false;
      try {
        await writeFile(tmp, `${os.hostname()} ${process.pid} ${Date.now()}`, { mode: 0o600 });
        await link(tmp, lock);
        taken = true;
      } catch (err) {
        if (codeOf(err) === 'ENOENT' && !remade) {
          // The directory went away since it was made (removed by hand): make it again, once.
          remade = true;
          this.dirReady = false;
          await this.ensureDir(signal);
          continue;
        }
        if (codeOf(err) !== 'EEXIST') throw this.failure(`lock ${name}`, err, signal);
      } finally {
        // Whether writing it failed half-way or the link succeeded, the temporary name goes.
        await discard(tmp);
      }
      if (taken) break;
      const [host, pid, at] = (await readFile(lock, 'utf8').catch(() => '')).split(' ');
      const stale = (host === os.hostname() && pid && !pidAlive(Number(pid))) || (at && Date.now() - Number(at) > LOCK_STALE_MS);
      if (stale) {
        await rm(lock, { force: true }).catch((err: unknown) => {
          throw this.failure(`break the stale lock ${name}`, err, signal);
        });
      } else if (Date.now() > deadline) {
        throw new RelayError('CHECKPOINT_UNAVAILABLE', 'checkpoint', `${lock} is held by another process (${host ?? '?'} pid ${pid ?? '?'}) for more than ${LOCK_WAIT_MS / 1000} s`);
      } else {
        await systemClock.sleep(20, signal);
      }
    }
    try {
      signal?.throwIfAborted();
      return await fn();
    } finally {
      // A lock left behind (the directory turned read-only meanwhile) is ours: broken as stale once
      // this process ends or after LOCK_STALE_MS. Failing here would report a write that happened.
      await discard(lock);
    }
  }

  async readCheckpoint(dataType: DataType, signal?: AbortSignal): Promise<Versioned<CheckpointRecord> | undefined> {
    const env = await this.read<CheckpointRecord>(`checkpoint-${dataType}`, signal);
    return env && { value: env.value, etag: String(env.version) };
  }

  async writeCheckpoint(dataType: DataType, value: CheckpointRecord, etag: string | undefined, signal?: AbortSignal): Promise<string> {
    const name = `checkpoint-${dataType}`;
    return this.withLock(name, signal, async () => {
      const current = await this.read<CheckpointRecord>(name, signal);
      const currentTag = current ? String(current.version) : undefined;
      if (currentTag !== etag) throw new RelayError('CHECKPOINT_CONFLICT', 'checkpoint', `the ${dataType} checkpoint was changed by another runner`);
      const version = (current?.version ?? 0) + 1;
      signal?.throwIfAborted();
      await this.writeAtomic(name, { version, value } satisfies Envelope<CheckpointRecord>);
      return String(version);
    });
  }

  async readStatus(signal?: AbortSignal): Promise<StatusRecord | undefined> {
    return (await this.read<StatusRecord>('status', signal))?.value;
  }

  async updateStatus(update: (current: StatusRecord | undefined) => StatusRecord, signal?: AbortSignal): Promise<StatusRecord> {
    return this.withLock('status', signal, async () => {
      const current = await this.read<StatusRecord>('status', signal);
      const next = update(current?.value);
      signal?.throwIfAborted();
      await this.writeAtomic('status', { version: (current?.version ?? 0) + 1, value: next });
      return next;
    });
  }
}
