// The commit rule through runRelay itself (not a test's own loop), on real parts: simulator API,
// syslog-ng, a checkpoint directory. A rejected token or an API outage in the middle of a backfill
// leaves the checkpoint at the last delivered batch, and the next run delivers the rest, each once.
// A relay switched off longer than the look-back records the skipped span in its status and shows it.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { createRelay, createStore } from '../../src/pipeline/relay.js';
import { generateAlerts } from '../../src/simulator/fixtures.js';
import { startSimulator, type Simulator } from '../../src/simulator/server.js';
import type { MdcaAlert } from '../../src/sources/mdca/types.js';
import { runCli } from '../support/cli.js';
import { countExternalIds } from '../support/external-ids.js';
import { guardedLogger } from '../support/guard-sink.js';
import { assertNoSecretsInDir } from '../support/secret-scan.js';
import { fakeToken } from '../support/secrets.js';
import { startSyslogNg, type Receiver } from '../support/syslog-ng.js';
import { relaySettings } from '../support/relay-settings.js';

const H = 3_600_000;
const D = 24 * H;
const token = fakeToken('checkpoint rules token');
const logger = guardedLogger();
let sim: Simulator;
let syslog: Receiver;
let dir: string;

beforeAll(async () => {
  syslog = await startSyslogNg({ mode: 'tcp-octet', raw: true });
});
afterAll(async () => syslog?.stop());
beforeEach(async () => {
  sim = await startSimulator({ tokens: [token], rateLimit: false });
  dir = await mkdtemp(path.join(os.tmpdir(), 'relay-cp-rules-'));
});
afterEach(async () => {
  await sim?.close();
  // Checkpoint and status files, with the errors they record: no secret.
  expect(await assertNoSecretsInDir(dir)).toBeGreaterThan(0);
  await rm(dir, { recursive: true, force: true });
});

function env(extra: Record<string, string> = {}): Record<string, string> {
  return relaySettings(sim.url, token, syslog.port, { RELAY_STATE_DIR: dir, RELAY_NAME: 'rules', RELAY_INITIAL_LOOKBACK: 'P1D', ...extra });
}

/** Lines that arrived since `from`, by alert id. */
async function delivered(from: number, ids: string[]) {
  return countExternalIds((await syslog.lines()).slice(from), ids).counts;
}

const byTime = (xs: MdcaAlert[]) => [...xs].sort((a, b) => a.timestamp - b.timestamp || (a._id < b._id ? -1 : 1));

describe('a failure in the middle of a backfill', () => {
  it.each([
    ['a rejected token (401)', 401],
    ['an API outage (502 until the run gives up)', 502],
  ] as const)('%s leaves the checkpoint at the last delivered batch; the next run delivers the rest once', async (_label, status) => {
    const config = loadConfig(env(), 'cli');
    const store = createStore(config);
    const now = Date.now();
    // A first run writes a checkpoint.
    const old = byTime(generateAlerts(50, { seed: 31, start: now - 20 * H, end: now - 10 * H }));
    sim.addAlerts(old);
    const already = (await syslog.lines()).length;
    const first = createRelay(config);
    expect((await first.run({ logger })).outcome).toBe('success');
    await first.close();
    const written = (await store.readCheckpoint('alerts'))!.value;
    expect(written.deliveredTotal).toBe(50);

    // 350 alerts dated after that run (its watermark reached the moment of its last request), in the past
    // by the time the next run starts: pages of 100; the third request of the next run fails (and keeps failing).
    const from = Date.now() + 10;
    const backlog = byTime(generateAlerts(350, { seed: 32, start: from, end: from + 700 }));
    sim.addAlerts(backlog);
    while (Date.now() <= from + 750) await new Promise((r) => setTimeout(r, 50));
    sim.injectFault({ kind: 'status', status }, { endpoint: 'alerts', after: 2, times: 1_000 });
    const second = createRelay(config);
    // An outage is retried with backoff; the run's own deadline ends it (as the Function's timeout would).
    const failed = await second.run({ logger, deadline: Date.now() + 3_000, hardDeadline: Date.now() + 4_000 });
    await second.close();
    expect(failed.outcome).not.toBe('success');
    if (status === 401) expect(failed.error?.code).toBe('TOKEN_REJECTED');

    const cp = (await store.readCheckpoint('alerts'))!.value;
    // Exactly the first two pages went out and were committed: the cursor is at the 200th alert.
    const counts = await delivered(already, [...old, ...backlog].map((a) => a._id));
    const sent = backlog.filter((a) => counts.get(a._id)! > 0);
    expect(sent.map((a) => a._id)).toEqual(backlog.slice(0, 200).map((a) => a._id));
    expect(cp.cursor.watermark).toBe(backlog[199]!.timestamp);
    expect(cp.deliveredTotal).toBe(250);
    expect(cp.lastOutcome).toBe('failure');
    expect(cp.lease).toBeUndefined();

    // The API is back: the next run starts from that cursor and delivers the other 150, nothing twice.
    sim.clearFaults();
    const third = createRelay(config);
    const ok = await third.run({ logger });
    await third.close();
    expect(ok.outcome).toBe('success');
    expect(ok.sent).toBe(150);
    const after = await delivered(already, [...old, ...backlog].map((a) => a._id));
    expect([...after.entries()].filter(([, n]) => n !== 1)).toEqual([]);
    expect((await store.readCheckpoint('alerts'))!.value.deliveredTotal).toBe(400);
  });
});

describe('a relay switched off longer than the look-back', () => {
  it('restarts at the look-back and records the skipped span, in the status record and in status --json', async () => {
    const config = loadConfig(env(), 'cli');
    const store = createStore(config);
    let clock = Date.now();
    const now = () => clock;
    sim.addAlerts(generateAlerts(20, { seed: 41, start: clock - 10 * H, end: clock - H }));
    const relay = createRelay(config, { now });
    expect((await relay.run({ logger })).outcome).toBe('success');
    const watermark = (await store.readCheckpoint('alerts'))!.value.cursor.watermark;

    // Three days later (look-back: one day) the relay runs again.
    clock += 3 * D;
    expect((await relay.run({ logger })).outcome).toBe('success');
    await relay.close();
    const status = await store.readStatus();
    expect(status?.skippedSpans).toEqual([{ dataType: 'alerts', from: watermark, to: clock - D, recordedAt: clock }]);
    expect((await store.readCheckpoint('alerts'))!.value.cursor.watermark).toBeGreaterThanOrEqual(clock - D);

    const shown = await runCli(['status', '--json'], env());
    expect(shown.code).toBe(0);
    const view = JSON.parse(shown.stdout) as { skippedSpans?: Array<{ dataType: string; from: string; to: string }> };
    expect(view.skippedSpans).toEqual([{ dataType: 'alerts', from: new Date(watermark).toISOString(), to: new Date(clock - D).toISOString() }]);
  });

  it('a relay whose last run failed resumes at its checkpoint however old, and records no span', async () => {
    const config = loadConfig(env(), 'cli');
    const store = createStore(config);
    let clock = Date.now();
    const now = () => clock;
    sim.addAlerts(generateAlerts(10, { seed: 42, start: clock - 10 * H, end: clock - H }));
    const relay = createRelay(config, { now });
    expect((await relay.run({ logger })).outcome).toBe('success');
    sim.injectFault({ kind: 'status', status: 401 }, { endpoint: 'alerts', times: 1_000 });
    clock += H;
    expect((await relay.run({ logger })).outcome).not.toBe('success');
    const cursor = (await store.readCheckpoint('alerts'))!.value.cursor;
    sim.clearFaults();
    clock += 3 * D;
    expect((await relay.run({ logger })).outcome).toBe('success');
    await relay.close();
    expect((await store.readStatus())?.skippedSpans ?? []).toEqual([]);
    expect((await store.readCheckpoint('alerts'))!.value.cursor.watermark).toBeGreaterThanOrEqual(cursor.watermark);
  });
});
