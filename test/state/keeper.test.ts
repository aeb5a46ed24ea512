// The checkpoint keeper on an in-memory store with real ETags: the lease it takes, what a commit and a
// release write, renewal every third of the lease, losing the lease, and taking over an ended run's lease.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RelayError } from '../../src/errors.js';
import type { Cursor } from '../../src/sources/mdca/source-types.js';
import { CheckpointKeeper, runnerIdentity, type RunnerIdentity } from '../../src/state/keeper.js';
import type { CheckpointRecord, StateStore, Versioned } from '../../src/state/types.js';
import { expectRelayError } from '../support/relay-error.js';

/** Checkpoints in a Map with a counter as ETag; `failWith` makes every write throw it. */
class MemoryStore implements StateStore {
  readonly description = 'memory';
  readonly rows = new Map<string, Versioned<CheckpointRecord>>();
  writes: CheckpointRecord[] = [];
  failWith: Error | undefined;
  private n = 0;
  async readCheckpoint(dataType: string) {
    return this.rows.get(dataType);
  }
  async writeCheckpoint(dataType: string, value: CheckpointRecord, etag: string | undefined): Promise<string> {
    if (this.failWith) throw this.failWith;
    const cur = this.rows.get(dataType);
    if (cur?.etag !== etag) throw new RelayError('CHECKPOINT_CONFLICT', 'checkpoint', `${dataType} changed`);
    const next = `e${++this.n}`;
    this.rows.set(dataType, { value: structuredClone(value), etag: next });
    this.writes.push(structuredClone(value));
    return next;
  }
  async readStatus() {
    return undefined;
  }
  async updateStatus(): Promise<never> {
    throw new Error('not used');
  }
  /** Another runner writes the row (its ETag changes under the keeper). */
  steal(lease: CheckpointRecord['lease']) {
    const cur = this.rows.get('alerts')!;
    this.rows.set('alerts', { value: { ...cur.value, lease }, etag: `stolen${++this.n}` });
  }
}

const T0 = 1_800_000_000_000;
const LEASE = 30_000;
const cursorAt = (w: number): Cursor => ({ watermark: w, sent: {} });
const other = (until: number) => ({ owner: 'elsewhere:7:x', host: 'elsewhere', pid: 7, until });
let t = T0;
const now = () => t;
const me = (run: string): RunnerIdentity => ({ owner: `h18host:${process.pid}:${run}`, host: 'h18host', pid: process.pid });
const keepers: CheckpointKeeper[] = [];
function keeper(store: StateStore, who = me('a'), leaseMs = LEASE) {
  const k = new CheckpointKeeper(store, 'alerts', who, leaseMs, now);
  keepers.push(k);
  return k;
}

afterEach(async () => {
  vi.useRealTimers();
  t = T0;
  for (const k of keepers.splice(0)) await k.release('failure').catch(() => undefined);
});

describe('taking the lease', () => {
  it('writes the decided cursor with a lease of the configured length, keeping the history', async () => {
    const store = new MemoryStore();
    store.rows.set('alerts', { value: { cursor: cursorAt(5), lastRunAt: 4, lastOutcome: 'success', deliveredTotal: 42, updatedAt: 4 }, etag: 'x' });
    const k = keeper(store);
    const seen: Array<CheckpointRecord | undefined> = [];
    const { cursor, stored } = await k.acquire((s) => (seen.push(s), cursorAt(9)));
    expect(cursor).toEqual(cursorAt(9));
    expect(stored?.deliveredTotal).toBe(42);
    expect(seen[0]?.cursor).toEqual(cursorAt(5));
    expect(store.rows.get('alerts')!.value).toEqual({
      cursor: cursorAt(9),
      lease: { owner: me('a').owner, host: 'h18host', pid: process.pid, until: T0 + LEASE },
      lastRunAt: 4,
      lastOutcome: 'success',
      deliveredTotal: 42,
      updatedAt: T0,
    });
    expect(k.cursor).toEqual(cursorAt(9));
  });

  it('starts a new checkpoint at zero delivered', async () => {
    const store = new MemoryStore();
    await keeper(store).acquire(() => cursorAt(1));
    expect(store.rows.get('alerts')!.value.deliveredTotal).toBe(0);
  });

  it("refuses another runner's live lease by name, and takes it once it has run out", async () => {
    const store = new MemoryStore();
    store.rows.set('alerts', { value: { cursor: cursorAt(5), lease: other(T0 + 1), deliveredTotal: 0, updatedAt: 0 }, etag: 'x' });
    const err = await expectRelayError(keeper(store).acquire(() => cursorAt(9)), 'CHECKPOINT_CONFLICT', 'checkpoint');
    expect(err.message).toContain('elsewhere:7:x');
    expect(err.message).toContain(new Date(T0 + 1).toISOString());
    expect(store.writes).toHaveLength(0);
    t = T0 + 1;
    await keeper(store).acquire(() => cursorAt(9));
    expect(store.rows.get('alerts')!.value.lease?.owner).toBe(me('a').owner);
  });

  it('a run of this process still going keeps its lease; once it ended (even if its release failed) the next run takes over', async () => {
    const store = new MemoryStore();
    const first = keeper(store, me('first'));
    await first.acquire(() => cursorAt(1));
    await expectRelayError(keeper(store, me('second')).acquire(() => cursorAt(2)), 'CHECKPOINT_CONFLICT');
    store.failWith = new Error('store unreachable');
    await expect(first.release('failure')).rejects.toThrow('store unreachable');
    store.failWith = undefined;
    expect(store.rows.get('alerts')!.value.lease?.owner).toBe(me('first').owner); // the lease was left behind
    await keeper(store, me('second')).acquire(() => cursorAt(2));
    expect(store.rows.get('alerts')!.value.lease?.owner).toBe(me('second').owner);
  });

  it('a lease whose first write failed is not counted as a run still going', async () => {
    const store = new MemoryStore();
    store.failWith = new Error('store unreachable');
    await expect(keeper(store, me('lost')).acquire(() => cursorAt(1))).rejects.toThrow('store unreachable');
    store.failWith = undefined;
    // The write landed after all (a timed-out write that went through): the lease is ours, from an ended run.
    store.rows.set('alerts', { value: { cursor: cursorAt(1), lease: { ...me('lost'), until: T0 + LEASE }, deliveredTotal: 0, updatedAt: T0 }, etag: 'late' });
    await keeper(store, me('next')).acquire(() => cursorAt(2));
    expect(store.rows.get('alerts')!.value.cursor).toEqual(cursorAt(2));
  });

  it('identifies the runner by host, pid and run', () => {
    const id = runnerIdentity('run7');
    expect(id.pid).toBe(process.pid);
    expect(id.owner).toBe(`${id.host}:${process.pid}:run7`);
  });
});

describe('commit and release', () => {
  it('a commit moves the cursor, adds the delivered count and renews the lease', async () => {
    const store = new MemoryStore();
    store.rows.set('alerts', { value: { cursor: cursorAt(5), deliveredTotal: 10, updatedAt: 0 }, etag: 'x' });
    const k = keeper(store);
    await k.acquire((s) => s!.cursor);
    t = T0 + 5_000;
    await k.commit(cursorAt(6), 3);
    await k.commit(cursorAt(7), 4);
    const v = store.rows.get('alerts')!.value;
    expect(v.cursor).toEqual(cursorAt(7));
    expect(v.deliveredTotal).toBe(17);
    expect(v.lease?.until).toBe(T0 + 5_000 + LEASE);
    expect(v.updatedAt).toBe(T0 + 5_000);
    expect(k.cursor).toEqual(cursorAt(7));
  });

  it('a commit after another runner wrote fails with CHECKPOINT_CONFLICT and moves nothing', async () => {
    const store = new MemoryStore();
    const k = keeper(store);
    await k.acquire(() => cursorAt(1));
    store.steal(other(T0 + LEASE));
    await expectRelayError(k.commit(cursorAt(2), 1), 'CHECKPOINT_CONFLICT');
    expect(store.rows.get('alerts')!.value.cursor).toEqual(cursorAt(1));
    expect(k.cursor).toEqual(cursorAt(1));
  });

  it('release drops the lease and records when and how the run ended; nothing is held after it', async () => {
    const store = new MemoryStore();
    const k = keeper(store);
    await k.acquire(() => cursorAt(1));
    t = T0 + 9_000;
    await k.release('success');
    expect(store.rows.get('alerts')!.value).toMatchObject({ cursor: cursorAt(1), lastRunAt: T0 + 9_000, lastOutcome: 'success', updatedAt: T0 + 9_000 });
    expect(store.rows.get('alerts')!.value.lease).toBeUndefined();
    expect(k.cursor).toBeUndefined();
    const writes = store.writes.length;
    await k.release('failure'); // a second release writes nothing
    expect(store.writes).toHaveLength(writes);
    expect((await expectRelayError(k.commit(cursorAt(2), 1), 'INTERNAL', 'checkpoint')).message).toBe('the alerts lease is not held');
  });

  it('writes are serialized, each on the ETag of the previous one', async () => {
    const store = new MemoryStore();
    const k = keeper(store);
    await k.acquire(() => cursorAt(0));
    await Promise.all([1, 2, 3, 4, 5].map((i) => k.commit(cursorAt(i), 1)));
    expect(store.rows.get('alerts')!.value).toMatchObject({ cursor: cursorAt(5), deliveredTotal: 5 });
  });

  it('a failed write does not block the next one', async () => {
    const store = new MemoryStore();
    const k = keeper(store);
    await k.acquire(() => cursorAt(0));
    store.failWith = new Error('hiccup');
    await expect(k.commit(cursorAt(1), 1)).rejects.toThrow('hiccup');
    store.failWith = undefined;
    await k.commit(cursorAt(2), 1);
    expect(store.rows.get('alerts')!.value).toMatchObject({ cursor: cursorAt(2), deliveredTotal: 1 });
  });
});

describe('renewal while a page is in flight', () => {
  const renewals = (store: MemoryStore) => store.writes.slice(1).map((w) => w.lease?.until);

  it('renews every third of the lease, each time to a full lease from then', async () => {
    vi.useFakeTimers();
    const store = new MemoryStore();
    const k = keeper(store);
    await k.acquire(() => cursorAt(0));
    const lost: RelayError[] = [];
    k.keepAlive((e) => lost.push(e));
    t = T0 + 9_999;
    await vi.advanceTimersByTimeAsync(9_999);
    expect(renewals(store)).toEqual([]);
    t = T0 + 10_000;
    await vi.advanceTimersByTimeAsync(1);
    expect(renewals(store)).toEqual([T0 + 10_000 + LEASE]);
    t = T0 + 20_000;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(renewals(store)).toEqual([T0 + 10_000 + LEASE, T0 + 20_000 + LEASE]);
    expect(store.rows.get('alerts')!.value.updatedAt).toBe(T0 + 20_000);
    expect(store.rows.get('alerts')!.value.cursor).toEqual(cursorAt(0));
    await k.release('success');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(renewals(store)).toHaveLength(3); // two renewals and the release, nothing after it
    expect(lost).toEqual([]);
  });

  it('never renews more often than once a second, however short the lease', async () => {
    vi.useFakeTimers();
    const store = new MemoryStore();
    const k = keeper(store, me('a'), 600);
    await k.acquire(() => cursorAt(0));
    k.keepAlive(() => undefined);
    await vi.advanceTimersByTimeAsync(999);
    expect(renewals(store)).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(renewals(store)).toHaveLength(1);
  });

  it('reports the lease lost at once when another runner took it, and stops renewing', async () => {
    vi.useFakeTimers();
    const store = new MemoryStore();
    const k = keeper(store);
    await k.acquire(() => cursorAt(0));
    const lost: RelayError[] = [];
    k.keepAlive((e) => lost.push(e));
    store.steal(other(T0 + 99 * LEASE));
    await vi.advanceTimersByTimeAsync(10_000);
    expect(lost).toHaveLength(1);
    expect(lost[0]).toMatchObject({ code: 'LEASE_LOST', stage: 'checkpoint' });
    expect(lost[0]!.message).toMatch(/another runner took the alerts lease/);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(lost).toHaveLength(1);
  });

  it('retries a store hiccup within a second, and reports the lease lost only when it could not be renewed in time', async () => {
    vi.useFakeTimers();
    const store = new MemoryStore();
    const k = keeper(store);
    await k.acquire(() => cursorAt(0)); // lease until T0 + 30 s
    const lost: RelayError[] = [];
    k.keepAlive((e) => lost.push(e));
    store.failWith = new Error('store unreachable');
    t = T0 + 10_000;
    await vi.advanceTimersByTimeAsync(10_000); // first renewal fails: retried a second later
    expect(lost).toEqual([]);
    store.failWith = undefined;
    t = T0 + 11_000;
    await vi.advanceTimersByTimeAsync(1_000);
    expect(renewals(store)).toEqual([T0 + 11_000 + LEASE]); // back on schedule
    store.failWith = new Error('store unreachable');
    // The lease now runs to T0 + 41 s; renewal keeps failing. Lost once less than a third of it is left.
    for (let s = 21_000; s <= 41_000 && lost.length === 0; s += 1_000) {
      t = T0 + s;
      await vi.advanceTimersByTimeAsync(s === 21_000 ? 10_000 : 1_000);
    }
    expect(lost).toHaveLength(1);
    expect(t).toBe(T0 + 31_000); // lease until - every = 41 s - 10 s
    expect(lost[0]!.message).toMatch(/could not be renewed before it ran out/);
    expect((lost[0] as Error & { cause?: Error }).cause?.message).toBe('store unreachable');
  });

  it('a store that is unavailable (not a conflict) is retried, not taken for a lost lease', async () => {
    vi.useFakeTimers();
    const store = new MemoryStore();
    const k = keeper(store);
    await k.acquire(() => cursorAt(0));
    const lost: RelayError[] = [];
    k.keepAlive((e) => lost.push(e));
    store.failWith = new RelayError('CHECKPOINT_UNAVAILABLE', 'checkpoint', 'table unreachable');
    t = T0 + 10_000;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(lost).toEqual([]);
    store.failWith = undefined;
    t = T0 + 11_000;
    await vi.advanceTimersByTimeAsync(1_000);
    expect(renewals(store)).toEqual([T0 + 11_000 + LEASE]);
  });

  it('renews on one timer, and nothing renews after the release, even when a renewal was in flight', async () => {
    vi.useFakeTimers();
    const store = new MemoryStore();
    const k = keeper(store);
    await k.acquire(() => cursorAt(0));
    k.keepAlive(() => undefined);
    k.keepAlive(() => undefined); // a second call replaces the first timer
    expect(vi.getTimerCount()).toBe(1);
    // The renewal's write is held until the release is queued behind it.
    let letGo!: () => void;
    const held = new Promise<void>((r) => (letGo = r));
    const write = store.writeCheckpoint.bind(store);
    store.writeCheckpoint = async (...args) => {
      await held;
      return write(...args);
    };
    await vi.advanceTimersByTimeAsync(10_000);
    const released = k.release('success');
    letGo();
    await released;
    const writes = store.writes.length;
    // The renewal that finished behind the release may have set one more tick: it must write nothing and end.
    await vi.advanceTimersByTimeAsync(60_000);
    expect(vi.getTimerCount()).toBe(0);
    expect(store.writes).toHaveLength(writes);
    expect(store.rows.get('alerts')!.value.lease).toBeUndefined();
  });

  it('a renewal after the release is a no-op', async () => {
    vi.useFakeTimers();
    const store = new MemoryStore();
    const k = keeper(store);
    await k.acquire(() => cursorAt(0));
    k.keepAlive(() => undefined);
    await k.release('success');
    const writes = store.writes.length;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(store.writes).toHaveLength(writes);
  });
});
