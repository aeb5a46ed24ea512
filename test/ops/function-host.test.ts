// What the Function entry points take from the host: the timeout and queue settings of host.json, and
// the deadlines of one invocation (the relay timer and the fan-out's tenant runs share them).
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { functionTimeoutMs, hostQueueSettings, invocationDeadlines } from '../../src/ops/function-host.js';

const appRoot = (host?: unknown) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'relay-host-'));
  if (host !== undefined) writeFileSync(path.join(dir, 'host.json'), typeof host === 'string' ? host : JSON.stringify(host));
  return dir;
};

describe('host.json', () => {
  it('reads functionTimeout and the queue settings; a missing or broken host.json gives the host defaults', () => {
    const root = appRoot({ functionTimeout: '01:02:03', extensions: { queues: { batchSize: 4, maxDequeueCount: 2, visibilityTimeout: '00:00:30' } } });
    expect(functionTimeoutMs(root)).toBe(3_723_000);
    expect(hostQueueSettings(root)).toEqual({ batchSize: 4, newBatchThreshold: 2, maxDequeueCount: 2, visibilityTimeoutMs: 30_000 });
    for (const r of [appRoot(), appRoot('{ not json'), appRoot({ functionTimeout: '-1' })]) {
      expect(functionTimeoutMs(r)).toBe(30 * 60_000);
      expect(hostQueueSettings(r)).toEqual({ batchSize: 16, newBatchThreshold: 8, maxDequeueCount: 5, visibilityTimeoutMs: 0 });
    }
  });

  it("the project's own host.json: a 10-minute timeout and the fan-out's queue settings", () => {
    expect(functionTimeoutMs()).toBe(10 * 60_000);
    expect(hostQueueSettings()).toEqual({ batchSize: 16, newBatchThreshold: 8, maxDequeueCount: 3, visibilityTimeoutMs: 30_000 });
  });
});

describe('invocation deadlines', () => {
  it('stops starting pages at the budget share, and aborts what is in flight halfway through the rest', () => {
    expect(invocationDeadlines(1_000, 600_000, 0.8)).toEqual({ deadline: 481_000, hardDeadline: 541_000 });
    // The whole timeout as budget leaves no time after it: the hard stop is the timeout itself.
    expect(invocationDeadlines(0, 600_000, 1)).toEqual({ deadline: 600_000, hardDeadline: 600_000 });
  });
});
