// Both checkpoint stores honour the same contract: conditional writes, one winner, chunked state.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRelayError } from '../../src/errors.js';
import { FileStateStore } from '../../src/state/file-store.js';
import { TableStateStore } from '../../src/state/table-store.js';
import type { CheckpointRecord, StateStore } from '../../src/state/types.js';
import { startAzurite, type Azurite } from '../support/azurite.js';

let azurite: Azurite;
let tmp: string;
beforeAll(async () => {
  azurite = await startAzurite();
  tmp = await mkdtemp(path.join(os.tmpdir(), 'relay-state-'));
});
afterAll(async () => {
  await azurite?.stop();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

function record(watermark: number, sent: Record<string, number> = {}): CheckpointRecord {
  return { cursor: { watermark, sent }, deliveredTotal: 0, updatedAt: watermark };
}

const backends: Array<[string, (relay: string) => StateStore]> = [
  ['directory', (relay) => new FileStateStore(tmp, relay)],
  ['table', (relay) => new TableStateStore({ connectionString: azurite.connectionString, tableName: 'relaytest', relayName: relay })],
];

describe.each(backends)('%s store', (_name, make) => {
  it('reads nothing before the first write, then what was written', async () => {
    const store = make(`fresh-${Math.random()}`);
    expect(await store.readCheckpoint('alerts')).toBeUndefined();
    const etag = await store.writeCheckpoint('alerts', record(1000, { a: 1000 }), undefined);
    const got = await store.readCheckpoint('alerts');
    expect(got?.value.cursor).toEqual({ watermark: 1000, sent: { a: 1000 } });
    expect(got?.etag).toBe(etag);
    expect(await store.readCheckpoint('activities')).toBeUndefined();
  });

  it('lets exactly one of two writers holding the same ETag win', async () => {
    const store = make(`race-${Math.random()}`);
    const etag = await store.writeCheckpoint('alerts', record(1), undefined);
    const results = await Promise.allSettled([store.writeCheckpoint('alerts', record(2), etag), store.writeCheckpoint('alerts', record(3), etag)]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r) => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(isRelayError((lost[0] as PromiseRejectedResult).reason, 'CHECKPOINT_CONFLICT')).toBe(true);
  });

  it('refuses to create a checkpoint that already exists', async () => {
    const store = make(`create-${Math.random()}`);
    await store.writeCheckpoint('alerts', record(1), undefined);
    await expect(store.writeCheckpoint('alerts', record(2), undefined)).rejects.toMatchObject({ code: 'CHECKPOINT_CONFLICT' });
    expect((await store.readCheckpoint('alerts'))?.value.cursor.watermark).toBe(1);
  });

  it('keeps a large overlap set intact (chunked beyond one property)', async () => {
    const store = make(`big-${Math.random()}`);
    const sent: Record<string, number> = {};
    for (let i = 0; i < 5000; i++) sent[`${i.toString(16).padStart(24, '0')}`] = 1_700_000_000_000 + i;
    await store.writeCheckpoint('activities', record(5, sent), undefined);
    expect((await store.readCheckpoint('activities'))?.value.cursor.sent).toEqual(sent);
  });

  it('read-modify-writes the status record', async () => {
    const store = make(`status-${Math.random()}`);
    expect(await store.readStatus()).toBeUndefined();
    await store.updateStatus(() => ({ relayName: 'r', createdAt: 1 }));
    await store.updateStatus((s) => ({ ...s!, lastSuccessAt: 2 }));
    expect(await store.readStatus()).toEqual({ relayName: 'r', createdAt: 1, lastSuccessAt: 2 });
  });
});

describe('table store', () => {
  it('reports an unreachable table as CHECKPOINT_UNAVAILABLE without the account key', async () => {
    const cs = azurite.connectionString.replace(/127\.0\.0\.1:\d+/, '127.0.0.1:9');
    const store = new TableStateStore({ connectionString: cs, tableName: 'relaytest', relayName: 'x' });
    const err = await store.readCheckpoint('alerts').catch((e: unknown) => e);
    expect(isRelayError(err, 'CHECKPOINT_UNAVAILABLE')).toBe(true);
    expect(String((err as Error).message)).not.toMatch(/AccountKey|Eby8/);
  });
});
