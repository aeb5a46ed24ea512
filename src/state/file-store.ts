// Checkpoints and status as JSON files in a local directory (the CLI's store).
// Writes are atomic (temp file, fsync, rename) and conditional: a version counter plays the ETag,
// compared under an exclusive lock file so two processes on one directory cannot both win.
import { constants } from 'node:fs';
import { link, mkdir, open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { RelayError } from '../errors.js';
import { pidAlive } from './pid.js';
import type { DataType } from '../mdca/types.js';
import type { CheckpointRecord, StateStore, StatusRecord, Versioned } from './types.js';

interface Envelope<T> {
  version: number;
  value: T;
}

const LOCK_STALE_MS = 30_000;

function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_');
}


export class FileStateStore implements StateStore {
  readonly description: string;
  private readonly dir: string;

  constructor(baseDir: string, relayName: string) {
    this.dir = path.join(baseDir, safeName(relayName));
    this.description = `directory ${this.dir}`;
  }

  private file(name: string): string {
    return path.join(this.dir, `${name}.json`);
  }

  private async read<T>(name: string): Promise<Envelope<T> | undefined> {
    let text: string;
    try {
      text = await readFile(this.file(name), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new RelayError('CHECKPOINT_UNAVAILABLE', 'checkpoint', `cannot read ${this.file(name)}: ${(err as NodeJS.ErrnoException).code}`, { cause: err });
    }
    try {
      return JSON.parse(text) as Envelope<T>;
    } catch (err) {
      throw new RelayError('CHECKPOINT_UNAVAILABLE', 'checkpoint', `${this.file(name)} is corrupt (not JSON); restore it or remove it to start over`, { cause: err });
    }
  }

  private async writeAtomic(name: string, data: unknown): Promise<void> {
    const target = this.file(name);
    const tmp = `${target}.${process.pid}.${Date.now()}.tmp`;
    const fh = await open(tmp, 'w', 0o600);
    try {
      await fh.writeFile(JSON.stringify(data, null, 2) + '\n');
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, target);
    // fsync the directory so the rename itself survives a power cut
    const dh = await open(this.dir, constants.O_RDONLY).catch(() => undefined);
    await dh?.sync().catch(() => undefined);
    await dh?.close();
  }

  /**
   * Exclusive lock file holding `host pid time`. It is created complete (written under a temporary
   * name, then hard-linked into place, which fails if the lock exists), so a process killed while
   * taking it never leaves an empty lock. A lock of a dead local process, or an old one, is broken.
   */
  private async withLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const lock = path.join(this.dir, `${name}.lock`);
    const deadline = Date.now() + 10_000;
    for (;;) {
      const tmp = `${lock}.${process.pid}.${Math.random().toString(36).slice(2)}`;
      await writeFile(tmp, `${os.hostname()} ${process.pid} ${Date.now()}`, { mode: 0o600 });
      try {
        await link(tmp, lock);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new RelayError('CHECKPOINT_UNAVAILABLE', 'checkpoint', `cannot lock ${lock}: ${(err as NodeJS.ErrnoException).code}`, { cause: err });
        const [host, pid, at] = (await readFile(lock, 'utf8').catch(() => '')).split(' ');
        const stale = (host === os.hostname() && pid && !pidAlive(Number(pid))) || (at && Date.now() - Number(at) > LOCK_STALE_MS);
        if (stale) await rm(lock, { force: true });
        else if (Date.now() > deadline) throw new RelayError('CHECKPOINT_UNAVAILABLE', 'checkpoint', `${lock} is held by another process`);
        else await new Promise((r) => setTimeout(r, 20));
      } finally {
        await rm(tmp, { force: true });
      }
    }
    try {
      return await fn();
    } finally {
      await rm(lock, { force: true });
    }
  }

  async readCheckpoint(dataType: DataType): Promise<Versioned<CheckpointRecord> | undefined> {
    const env = await this.read<CheckpointRecord>(`checkpoint-${dataType}`);
    return env && { value: env.value, etag: String(env.version) };
  }

  async writeCheckpoint(dataType: DataType, value: CheckpointRecord, etag: string | undefined): Promise<string> {
    const name = `checkpoint-${dataType}`;
    return this.withLock(name, async () => {
      const current = await this.read<CheckpointRecord>(name);
      const currentTag = current ? String(current.version) : undefined;
      if (currentTag !== etag) throw new RelayError('CHECKPOINT_CONFLICT', 'checkpoint', `the ${dataType} checkpoint was changed by another runner`);
      const version = (current?.version ?? 0) + 1;
      await this.writeAtomic(name, { version, value } satisfies Envelope<CheckpointRecord>);
      return String(version);
    });
  }

  async readStatus(): Promise<StatusRecord | undefined> {
    return (await this.read<StatusRecord>('status'))?.value;
  }

  async updateStatus(update: (current: StatusRecord | undefined) => StatusRecord): Promise<StatusRecord> {
    return this.withLock('status', async () => {
      const current = await this.read<StatusRecord>('status');
      const next = update(current?.value);
      await this.writeAtomic('status', { version: (current?.version ?? 0) + 1, value: next });
      return next;
    });
  }
}
