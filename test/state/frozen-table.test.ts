// The Table Storage store against a frozen endpoint (accepts connections, never answers): every call
// ends with CHECKPOINT_UNAVAILABLE at its deadline, an abort ends it at once, and after the thaw the
// store works and no write was half-applied (issue 13, item 4).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRelayError } from '../../src/errors.js';
import { TableStateStore } from '../../src/state/table-store.js';
import type { CheckpointRecord } from '../../src/state/types.js';
import { startAzurite, type Azurite } from '../support/azurite.js';
import { freezableAzurite, type FreezableAzurite } from '../support/freezable-proxy.js';
import { waitFor } from '../support/ports.js';

const TABLE = 'frozentest';
const TIMEOUT_MS = 1_500;

let azurite: Azurite;
let storage: FreezableAzurite;
beforeAll(async () => {
  azurite = await startAzurite();
  storage = await freezableAzurite(azurite);
});
afterAll(async () => {
  await storage?.close();
  await azurite?.stop();
});

function record(watermark: number): CheckpointRecord {
  return { cursor: { watermark, sent: { [`id-${watermark}`]: watermark } }, deliveredTotal: watermark, updatedAt: watermark };
}

function store(timeoutMs = TIMEOUT_MS): TableStateStore {
  return new TableStateStore({ connectionString: storage.connectionString, tableName: TABLE, relayName: `frozen-${Math.random()}`, timeoutMs });
}

function expectTimedOut(err: unknown): void {
  expect(isRelayError(err, 'CHECKPOINT_UNAVAILABLE'), String(err)).toBe(true);
  const message = (err as Error).message;
  expect(message).toContain(`no answer within ${TIMEOUT_MS} ms`);
  expect(message).toContain(TABLE);
  expect(message).not.toMatch(/AccountKey|Eby8|devstoreaccount1;/);
}

/** Thaws, then waits until every request given up on during the freeze has reached Azurite and been answered. */
async function thawAndSettle(): Promise<void> {
  storage.thaw();
  await waitFor(() => storage.proxy.abandoned === 0 && storage.proxy.held === 0, 20_000, 'the held backlog to be answered');
}

describe('table store on a frozen endpoint', () => {
  it('ends every call with CHECKPOINT_UNAVAILABLE naming the table, and works again after the thaw', { timeout: 60_000 }, async () => {
    const s = store();
    const etag = await s.writeCheckpoint('alerts', record(1), undefined);
    await s.updateStatus(() => ({ relayName: 'r', createdAt: 1 }));

    storage.freeze();
    try {
      const calls = await Promise.allSettled([
        s.readCheckpoint('alerts'),
        s.writeCheckpoint('alerts', record(2), etag),
        s.readStatus(),
        s.updateStatus((st) => ({ ...st!, lastSuccessAt: 2 })),
      ]);
      // The calls reached the endpoint and were held there (not refused before sending).
      expect(storage.proxy.held).toBeGreaterThan(0);
      for (const call of calls) {
        expect(call.status).toBe('rejected');
        expectTimedOut((call as PromiseRejectedResult).reason);
      }
    } finally {
      await thawAndSettle();
    }

    // The held write may have landed after the store gave up on it: all of it or none of it, and a
    // writer holding the old ETag then loses instead of overwriting.
    const after = await s.readCheckpoint('alerts');
    expect(after).toBeDefined();
    if (after!.etag === etag) {
      expect(after!.value).toEqual(record(1));
    } else {
      expect(after!.value).toEqual(record(2));
      await expect(s.writeCheckpoint('alerts', record(3), etag)).rejects.toMatchObject({ code: 'CHECKPOINT_CONFLICT' });
    }
    const next = await s.writeCheckpoint('alerts', record(4), after!.etag);
    expect(await s.readCheckpoint('alerts')).toEqual({ value: record(4), etag: next });
    const status = await s.readStatus();
    expect(status?.relayName).toBe('r');
    expect([undefined, 2]).toContain(status?.lastSuccessAt);
  });

  it('bounds the first-use table creation too', { timeout: 60_000 }, async () => {
    const s = store(); // never used: its first call creates the table
    storage.freeze();
    try {
      expectTimedOut(await s.readCheckpoint('alerts').catch((e: unknown) => e));
    } finally {
      await thawAndSettle();
    }
    expect(await s.readCheckpoint('alerts')).toBeUndefined();
    await s.writeCheckpoint('alerts', record(5), undefined);
    expect((await s.readCheckpoint('alerts'))?.value).toEqual(record(5));
  });

  it("ends a pending call at once with the signal's reason when the run is aborted", { timeout: 20_000 }, async () => {
    // A deadline far beyond the test's own timeout: only the abort can end these calls in time.
    const s = store(120_000);
    const etag = await s.writeCheckpoint('activities', record(1), undefined);
    storage.freeze();
    try {
      const controller = new AbortController();
      const pending = [
        s.readCheckpoint('activities', controller.signal),
        s.writeCheckpoint('activities', record(2), etag, controller.signal),
        s.readStatus(controller.signal),
        s.updateStatus((st) => ({ ...st!, createdAt: 3 }), controller.signal),
      ].map((p) => p.catch((e: unknown) => e));
      await waitFor(() => storage.proxy.held >= 4, 10_000, 'the four requests to reach the frozen endpoint');
      const reason = new Error('time budget ended');
      controller.abort(reason);
      for (const err of await Promise.all(pending)) expect(err).toBe(reason);
    } finally {
      await thawAndSettle();
    }
    const after = await s.readCheckpoint('activities');
    expect([record(1), record(2)]).toContainEqual(after?.value);
  });

  it('refuses to start a call on an already aborted signal', async () => {
    const s = store();
    const reason = new Error('already over');
    const err = await s.readCheckpoint('alerts', AbortSignal.abort(reason)).catch((e: unknown) => e);
    expect(err).toBe(reason);
  });
});
