// The resume rule and the status state machine, on an injected clock.
import { describe, expect, it } from 'vitest';
import { decideStart, leaseIsLive, relayState } from '../../src/state/policy.js';

const H = 3_600_000;
const D = 24 * H;
const now = 1_800_000_000_000;

describe('where a data type starts', () => {
  it('starts the look-back back on the first run', () => {
    expect(decideStart(undefined, now, 2 * D)).toEqual({ cursor: { watermark: now - 2 * D, sent: {} }, reason: 'first-run' });
  });
  it('resumes exactly at the checkpoint after failed runs, however old', () => {
    const cp = { cursor: { watermark: now - 10 * D, sent: { a: 1 } }, lastOutcome: 'failure' as const, lastRunAt: now - 9 * D, deliveredTotal: 0, updatedAt: 0 };
    expect(decideStart(cp, now, 2 * D)).toEqual({ cursor: cp.cursor, reason: 'resume' });
  });
  it('restarts at the look-back after being switched off, and names the skipped span', () => {
    const cp = { cursor: { watermark: now - 10 * D, sent: {} }, lastOutcome: 'success' as const, lastRunAt: now - 10 * D, deliveredTotal: 0, updatedAt: 0 };
    expect(decideStart(cp, now, 2 * D)).toEqual({ cursor: { watermark: now - 2 * D, sent: {} }, skipped: { from: now - 10 * D, to: now - 2 * D }, reason: 'switched-off' });
  });
  it('switched off means: last run succeeded, more than the look-back ago, and the checkpoint older than the look-back', () => {
    const cp = (watermarkAge: number, runAge: number, lastOutcome: 'success' | 'failure' = 'success') => ({ cursor: { watermark: now - watermarkAge, sent: {} }, lastOutcome, lastRunAt: now - runAge, deliveredTotal: 0, updatedAt: 0 });
    expect(decideStart(cp(3 * D, 2 * D + 1), now, 2 * D).reason).toBe('switched-off');
    expect(decideStart(cp(3 * D, 2 * D), now, 2 * D).reason).toBe('resume');
    expect(decideStart(cp(2 * D, 3 * D), now, 2 * D).reason).toBe('resume');
    expect(decideStart(cp(2 * D + 1, 3 * D), now, 2 * D).reason).toBe('switched-off');
    expect(decideStart(cp(3 * D, 3 * D, 'failure'), now, 2 * D).reason).toBe('resume');
    expect(decideStart({ ...cp(3 * D, 0), lastRunAt: undefined }, now, 2 * D).reason).toBe('resume');
  });
  it('resumes normally after a short pause', () => {
    const cp = { cursor: { watermark: now - H, sent: {} }, lastOutcome: 'success' as const, lastRunAt: now - H, deliveredTotal: 0, updatedAt: 0 };
    expect(decideStart(cp, now, 2 * D).reason).toBe('resume');
  });
});

describe('relay state', () => {
  it('is Created until the first success', () => expect(relayState({ relayName: 'r', createdAt: now }, now)).toBe('Created'));
  it('is Created before any status record exists', () => expect(relayState(undefined, now)).toBe('Created'));
  it('is Connected within 2 h of a success', () => expect(relayState({ relayName: 'r', createdAt: 0, lastSuccessAt: now - H }, now)).toBe('Connected'));
  it('is Connection error after 2 h', () => expect(relayState({ relayName: 'r', createdAt: 0, lastSuccessAt: now - 3 * H }, now)).toBe('Connection error'));
  it('is Disconnected after 12 h', () => expect(relayState({ relayName: 'r', createdAt: 0, lastSuccessAt: now - 13 * H }, now)).toBe('Disconnected'));
  // The agent's thresholds, pinned to the millisecond on both sides (literal hours, not the module's constants):
  // moving "Connection error" to 2.4 h or "Disconnected" to 4 h must fail here.
  it.each([
    [2 * H - 1, 'Connected'],
    [2 * H, 'Connected'],
    [2 * H + 1, 'Connection error'],
    [6 * H, 'Connection error'],
    [12 * H, 'Connection error'],
    [12 * H + 1, 'Disconnected'],
  ] as const)('a success %i ms ago reads %s', (age, want) => {
    expect(relayState({ relayName: 'r', createdAt: 0, lastSuccessAt: now - age }, now)).toBe(want);
  });
  it('is Connection error once a relay that never succeeded has failed for more than 2 h', () => {
    const failing = (age: number) => relayState({ relayName: 'r', createdAt: now - age, lastError: { at: now, code: 'API_UNAUTHORIZED', stage: 'fetch', message: 'x' } }, now);
    expect(failing(2 * H)).toBe('Created');
    expect(failing(2 * H + 1)).toBe('Connection error');
    expect(relayState({ relayName: 'r', createdAt: now - 3 * D }, now)).toBe('Created');
  });
});

describe('leases', () => {
  const me = { owner: 'h:1:a', host: 'h', pid: 1 };
  it('ignores an expired lease, a dead local process, and its own', () => {
    expect(leaseIsLive({ owner: 'x', host: 'other', pid: 5, until: now - 1 }, me, now, () => true)).toBe(false);
    expect(leaseIsLive({ owner: 'x', host: 'h', pid: 5, until: now + H }, me, now, () => false)).toBe(false);
    expect(leaseIsLive({ owner: 'h:1:a', host: 'h', pid: 1, until: now + H }, me, now, () => true)).toBe(false);
  });
  it('a lease is live until the millisecond it ends, and a live local process keeps it', () => {
    expect(leaseIsLive({ owner: 'x', host: 'other', pid: 5, until: now }, me, now, () => true)).toBe(false);
    expect(leaseIsLive({ owner: 'x', host: 'other', pid: 5, until: now + 1 }, me, now, () => true)).toBe(true);
    expect(leaseIsLive({ owner: 'x', host: 'h', pid: 5, until: now + H }, me, now, () => true)).toBe(true);
    expect(leaseIsLive(undefined, me, now, () => true)).toBe(false);
    // Another process on this host with a run that ended in this process's registry is still someone else's.
    expect(leaseIsLive({ owner: 'h:5:b', host: 'h', pid: 5, until: now + H }, me, now, () => true, () => false)).toBe(true);
    // Without a registry of this process's runs, a lease of the same pid is taken for a run still going.
    expect(leaseIsLive({ owner: 'h:1:b', host: 'h', pid: 1, until: now + H }, me, now, () => true)).toBe(true);
    // The same pid on another host is another machine's process.
    expect(leaseIsLive({ owner: 'o:1:b', host: 'o', pid: 1, until: now + H }, me, now, () => false, () => false)).toBe(true);
  });
  it('respects a live lease of another runner', () => {
    expect(leaseIsLive({ owner: 'x', host: 'other', pid: 5, until: now + H }, me, now, () => false)).toBe(true);
  });
  it('takes over a lease left by an ended run of this same process, never one of a run still going', () => {
    const earlier = { owner: 'h:1:earlier', host: 'h', pid: 1, until: now + H };
    expect(leaseIsLive(earlier, me, now, () => true, () => false)).toBe(false);
    expect(leaseIsLive(earlier, me, now, () => true, (owner) => owner === 'h:1:earlier')).toBe(true);
  });
});
