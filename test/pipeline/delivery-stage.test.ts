// The delivery stage with a scripted sender whose confirmations the test releases in any order:
// commits stay in batch order and never pass an unconfirmed batch, a failed batch stops every
// commit from it on (the ones before it still commit), an abort ends everything in flight, and
// the window bounds what is in flight (counted, not timed).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DeliveryStage, type StagedBatch } from '../../src/pipeline/delivery-stage.js';
import { RelayError } from '../../src/errors.js';
import { flush, isPending } from '../support/settle.js';

interface Delivery {
  seq: number;
  signal: AbortSignal;
  confirm(): void;
  fail(err: Error): void;
  settled: boolean;
}

/** A sender whose deliveries settle only when the test says so; records what the stage did. */
function scripted(window: number, signal = new AbortController().signal) {
  const deliveries: Delivery[] = [];
  const confirmed = new Set<number>();
  const committed: number[] = [];
  const violations: string[] = [];
  let inFlight = 0; // delivering, or confirmed and not committed: what the window bounds
  let maxInFlight = 0;
  const stage = new DeliveryStage<number>({
    window,
    signal,
    deliver: (lines, s) =>
      new Promise((resolve, reject) => {
        const seq = Number(lines[0]);
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        const d: Delivery = {
          seq,
          signal: s,
          settled: false,
          confirm: () => {
            if (d.settled) return;
            d.settled = true;
            confirmed.add(seq);
            resolve(undefined);
          },
          fail: (err) => {
            if (d.settled) return;
            d.settled = true;
            reject(err);
          },
        };
        // An abort rejects at once, as the real senders do.
        s.addEventListener('abort', () => d.fail(new RelayError('SYSLOG_SEND_FAILED', 'send', `batch ${seq} stopped`)), { once: true });
        deliveries.push(d);
      }),
    commit: async (cursor) => {
      for (let i = 0; i <= cursor; i++) if (!confirmed.has(i)) violations.push(`committed ${cursor} before ${i} was confirmed`);
      if (committed.length > 0 && committed.at(-1) !== cursor - 1) violations.push(`committed ${cursor} after ${committed.at(-1)}`);
      await Promise.resolve();
      committed.push(cursor);
      inFlight--;
    },
  });
  const batch = (seq: number): StagedBatch<number> => ({ lines: [String(seq), 'x'], cursor: seq });
  return { stage, deliveries, committed, confirmed, violations, batch, maxInFlight: () => maxInFlight };
}

describe('delivery stage', () => {
  it('commits in batch order under any order of confirmations, never past an unconfirmed batch, never more than the window in flight', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 25 }), fc.array(fc.nat(), { minLength: 200, maxLength: 200 }), async (window, n, picks) => {
        const s = scripted(window);
        let pushed = 0;
        let pushing: Promise<void> | undefined;
        let pick = 0;
        while (s.committed.length < n) {
          // Each step, chosen by the generated sequence: push the next batch if the stage takes one
          // (so the window fills up), or confirm one open delivery (in any order).
          const choice = picks[pick++ % picks.length]!;
          const open = s.deliveries.filter((d) => !d.settled);
          if (!pushing && pushed < n && (choice % 3 !== 0 || open.length === 0)) {
            pushing = s.stage.push(s.batch(pushed++)).then(() => void (pushing = undefined));
          } else if (open.length > 0) {
            open[choice % open.length]!.confirm();
          }
          await flush();
          expect(s.stage.peak).toBeLessThanOrEqual(window);
        }
        await s.stage.drain();
        expect(s.violations).toEqual([]);
        expect(s.committed).toEqual(Array.from({ length: n }, (_, i) => i));
        expect(s.maxInFlight()).toBeLessThanOrEqual(window);
        expect(s.stage.uncommitted).toBe(0);
      }),
      { numRuns: 150 },
    );
  });

  it('holds the next push while the window is full, and lets it go when the oldest batch commits', async () => {
    const s = scripted(3);
    for (let i = 0; i < 2; i++) await s.stage.push(s.batch(i));
    const third = s.stage.push(s.batch(2));
    expect(await isPending(third)).toBe(true); // three in flight: the producer waits (backpressure)
    expect(s.deliveries.length).toBe(3);
    s.deliveries[2]!.confirm();
    s.deliveries[1]!.confirm();
    expect(await isPending(third)).toBe(true); // later batches confirmed, the oldest not: still full
    expect(s.committed).toEqual([]);
    s.deliveries[0]!.confirm();
    await third; // batch 0 committed: room again
    expect(s.committed[0]).toBe(0);
    await s.stage.drain();
    expect(s.committed).toEqual([0, 1, 2]);
  });

  it('a failed batch n with n+1 confirmed: n-1 commits, n and n+1 never, later ones are aborted, the error is n\'s', async () => {
    const s = scripted(4);
    for (let i = 0; i < 3; i++) await s.stage.push(s.batch(i));
    const fourth = s.stage.push(s.batch(3)); // the window is full now
    s.deliveries[2]!.confirm(); // n+1 confirmed first
    await flush();
    s.deliveries[1]!.fail(new RelayError('SYSLOG_SEND_FAILED', 'send', 'batch 1 reset'));
    await flush();
    s.deliveries[0]!.confirm(); // n-1 confirms after the failure: still committed
    await expect(fourth).rejects.toThrow('batch 1 reset');
    await expect(s.stage.drain()).rejects.toThrow('batch 1 reset');
    expect(s.committed).toEqual([0]);
    expect(s.deliveries[3]!.signal.aborted).toBe(true); // after n: aborted
    expect(s.deliveries[2]!.signal.aborted).toBe(true);
    expect(s.deliveries[0]!.signal.aborted).toBe(false);
    expect(s.stage.uncommitted).toBe(3 * 2); // batches 1, 2, 3: handed to the sender, not committed
    await expect(s.stage.push(s.batch(4))).rejects.toThrow('batch 1 reset');
    expect(s.deliveries.length).toBe(4); // nothing new was started
  });

  it('keeps the earliest failure when a later batch fails first', async () => {
    const s = scripted(4);
    for (let i = 0; i < 3; i++) await s.stage.push(s.batch(i));
    s.deliveries[2]!.fail(new Error('batch 2 failed'));
    await flush();
    s.deliveries[0]!.fail(new Error('batch 0 failed'));
    s.deliveries[1]!.confirm();
    await s.stage.settle();
    await expect(s.stage.drain()).rejects.toThrow('batch 0 failed');
    expect(s.committed).toEqual([]);
  });

  it('an abort with the window full rejects every delivery at once, commits nothing more, and reports the abort reason', async () => {
    const run = new AbortController();
    const s = scripted(4, run.signal);
    for (let i = 0; i < 3; i++) await s.stage.push(s.batch(i));
    const fourth = s.stage.push(s.batch(3));
    s.deliveries[0]!.confirm();
    await fourth; // batch 0 committed: room for one more
    expect(s.committed).toEqual([0]);
    const fifth = s.stage.push(s.batch(4));
    expect(await isPending(fifth)).toBe(true); // four in flight: full
    s.deliveries[2]!.confirm(); // confirmed but behind the unconfirmed batch 1
    run.abort(new RelayError('RUN_ABORTED', 'fetch', 'time budget ended'));
    await s.stage.settle();
    expect(s.deliveries.every((d) => d.settled)).toBe(true);
    await expect(fifth).rejects.toMatchObject({ code: 'RUN_ABORTED' });
    await expect(s.stage.drain()).rejects.toMatchObject({ code: 'RUN_ABORTED' });
    expect(s.committed).toEqual([0]);
  });

  it('a commit that fails (the lease lost mid-window) stops every later commit and aborts the deliveries after it', async () => {
    const lost = new RelayError('CHECKPOINT_CONFLICT', 'checkpoint', 'another runner took the lease');
    const committed: number[] = [];
    const signals: AbortSignal[] = [];
    const release: Array<() => void> = [];
    const stage = new DeliveryStage<number>({
      window: 4,
      signal: new AbortController().signal,
      deliver: (_lines, signal) => {
        signals.push(signal);
        return new Promise((resolve, reject) => {
          release.push(() => resolve(undefined));
          signal.addEventListener('abort', () => reject(new Error('stopped')), { once: true });
        });
      },
      commit: async (cursor) => {
        if (cursor === 1) throw lost;
        committed.push(cursor);
      },
    });
    for (let i = 0; i < 3; i++) await stage.push({ lines: ['a'], cursor: i });
    release[0]!();
    release[1]!();
    await stage.settle();
    await expect(stage.drain()).rejects.toBe(lost);
    expect(committed).toEqual([0]);
    expect(signals[2]!.aborted).toBe(true);
    expect(stage.uncommitted).toBe(2); // batch 1 (delivered) and batch 2 (aborted)
  });

  it('commits an empty batch in its turn without calling the sender', async () => {
    const s = scripted(2);
    await s.stage.push(s.batch(0));
    const second = s.stage.push({ lines: [], cursor: 1 });
    await flush();
    expect(s.deliveries.length).toBe(1);
    s.deliveries[0]!.confirm();
    await second;
    await s.stage.drain();
    expect(s.committed).toEqual([0, 1]);
  });
});
