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
  it('resumes normally after a short pause', () => {
    const cp = { cursor: { watermark: now - H, sent: {} }, lastOutcome: 'success' as const, lastRunAt: now - H, deliveredTotal: 0, updatedAt: 0 };
    expect(decideStart(cp, now, 2 * D).reason).toBe('resume');
  });
});

describe('relay state', () => {
  it('is Created until the first success', () => expect(relayState({ relayName: 'r', createdAt: now }, now)).toBe('Created'));
  it('is Connected within 2 h of a success', () => expect(relayState({ relayName: 'r', createdAt: 0, lastSuccessAt: now - H }, now)).toBe('Connected'));
  it('is Connection error after 2 h', () => expect(relayState({ relayName: 'r', createdAt: 0, lastSuccessAt: now - 3 * H }, now)).toBe('Connection error'));
  it('is Disconnected after 12 h', () => expect(relayState({ relayName: 'r', createdAt: 0, lastSuccessAt: now - 13 * H }, now)).toBe('Disconnected'));
});

describe('leases', () => {
  const me = { owner: 'h:1:a', host: 'h', pid: 1 };
  it('ignores an expired lease, a dead local process, and its own', () => {
    expect(leaseIsLive({ owner: 'x', host: 'other', pid: 5, until: now - 1 }, me, now, () => true)).toBe(false);
    expect(leaseIsLive({ owner: 'x', host: 'h', pid: 5, until: now + H }, me, now, () => false)).toBe(false);
    expect(leaseIsLive({ owner: 'h:1:a', host: 'h', pid: 1, until: now + H }, me, now, () => true)).toBe(false);
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
