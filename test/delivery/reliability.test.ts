// The "nothing lost" promise under the faults issue 13 found, on real parts (simulator, syslog-ng,
// Azurite): a burst that outgrew the checkpoint, a page slower than the lease, a lease stolen while a
// batch was being delivered, a failed run that must still report its lag, a store frozen mid-run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import type { RelayConfig } from '../../src/config/types.js';
import { createLogger, type Logger } from '../../src/ops/logger.js';
import { createRelay, createStore } from '../../src/pipeline/relay.js';
import { DELIVERY_WINDOW } from '../../src/pipeline/run.js';
import { summaryLine } from '../../src/pipeline/summary.js';
import { generateAlerts } from '../../src/simulator/fixtures.js';
import { startSimulator, type Simulator } from '../../src/simulator/server.js';
import { createSender } from '../../src/syslog/index.js';
import type { SyslogSender } from '../../src/syslog/types.js';
import { startAzurite, type Azurite } from '../support/azurite.js';
import { freezableAzurite } from '../support/freezable-proxy.js';
import { guardSink } from '../support/guard-sink.js';
import { fakeToken } from '../support/secrets.js';
import { startSyslogNg, type Receiver } from '../support/syslog-ng.js';
import { relaySettings } from '../support/relay-settings.js';
import { countExternalIds } from '../support/external-ids.js';

const MIN = 60_000;
const token = fakeToken('reliability token');
let sim: Simulator;
let syslog: Receiver;
let azurite: Azurite;

/** A logger that keeps its lines (level and text), so tests can read what an operator would see. */
function recorder(): Logger & { lines: Array<{ level: string; line: string }> } {
  const lines: Array<{ level: string; line: string }> = [];
  return Object.assign(createLogger([(level, line) => lines.push({ level, line }), guardSink]), { lines });
}

beforeAll(async () => {
  [sim, syslog, azurite] = await Promise.all([startSimulator({ tokens: [token], rateLimit: false }), startSyslogNg({ mode: 'tcp-octet', raw: true }), startAzurite()]);
});
afterAll(async () => {
  await Promise.all([sim?.close(), syslog?.stop(), azurite?.stop()]);
});

function config(relayName: string, extra: Record<string, string> = {}): RelayConfig {
  const settings = { SYSLOG_CONNECT_TIMEOUT: 'PT1S', SYSLOG_WRITE_TIMEOUT: 'PT5S', RELAY_CHECKPOINT_STORAGE: azurite.connectionString, RELAY_NAME: relayName, ...extra };
  return loadConfig(relaySettings(sim.url, token, syslog.port, settings), 'cli');
}

/** How often each id arrived at the receiver. */
async function arrivals(ids: string[]): Promise<Map<string, number>> {
  return countExternalIds(await syslog.lines(), ids).counts;
}
const missing = (counts: Map<string, number>) => [...counts].filter(([, n]) => n === 0).map(([id]) => id);
const twice = (counts: Map<string, number>) => [...counts].filter(([, n]) => n > 1).length;

describe('a burst inside one overlap window', () => {
  it('12,000 alerts in 15 minutes, Table Storage checkpoint: all delivered, the entity stays small, the next run sends only what is new', async () => {
    const now = Date.now();
    const burst = generateAlerts(12_000, { seed: 31, start: now - 15 * MIN, end: now - 1000 });
    sim.addAlerts(burst);
    const cfg = config('burst');
    const relay = createRelay(cfg);
    const log = recorder();
    try {
      const first = await relay.run({ logger: log });
      expect(first.error).toBeUndefined();
      expect(first.sent).toBe(12_000);
      expect(missing(await arrivals(burst.map((a) => a._id)))).toEqual([]);

      // The checkpoint entity holds a bounded id set and says where its knowledge starts.
      const cp = (await createStore(cfg).readCheckpoint('alerts'))!.value.cursor;
      expect(Object.keys(cp.sent).length).toBeLessThanOrEqual(1_000);
      expect(JSON.stringify(cp).length).toBeLessThan(64_000);
      expect(cp.floor).toBeGreaterThan(cp.watermark - 15 * MIN);
      expect(first.warnings.join('\n')).toMatch(/late arrivals are caught from/);

      // New alerts, plus late ones stamped after the floor: each arrives once; the burst is not re-sent.
      const fresh = generateAlerts(30, { seed: 32, start: Date.now() - 500, end: Date.now() });
      const late = generateAlerts(5, { seed: 33, start: cp.floor! + 1, end: cp.watermark - 1 });
      sim.addAlerts([...fresh, ...late]);
      const second = await relay.run({ logger: log });
      expect(second.error).toBeUndefined();
      expect(second.sent).toBe(35);
      const all = await arrivals([...burst, ...fresh, ...late].map((a) => a._id));
      expect(missing(all)).toEqual([]);
      expect(twice(all)).toBe(0);
      expect(second.skippedDuplicates).toBeLessThan(1_100); // the kept ids, not the whole burst
    } finally {
      await relay.close();
    }
  });
});

describe('the lease', () => {
  it('a page slower than the lease: the lease is renewed, a second runner yields, every alert is sent once', async () => {
    const now = Date.now();
    const alerts = generateAlerts(250, { seed: 41, start: now - 10 * MIN, end: now - 1000 });
    sim.addAlerts(alerts);
    const cfgA = config('slow-page');
    cfgA.relay.leaseMs = 1_500; // below the settings' minimum on purpose: the page takes longer than the lease
    const a = createRelay(cfgA);
    const b = createRelay(cfgA);
    try {
      // Run A: its second page takes 4 s (three lease lengths); B starts in the middle of it.
      let requests = 0;
      const base = sim.stats.requests;
      sim.setFaultRule(() => (sim.stats.requests - base === 2 && requests++ === 0 ? { kind: 'delay', ms: 4_000 } : undefined));
      const runA = a.run({ logger: recorder() });
      await new Promise((r) => setTimeout(r, 3_000));
      const runB = await b.run({ logger: recorder() });
      sim.setFaultRule(undefined);
      const resultA = await runA;
      expect(runB.yielded).toBe(true);
      expect(runB.sent).toBe(0);
      expect(resultA.error).toBeUndefined();
      expect(resultA.yielded).toBe(false);
      const counts = await arrivals(alerts.map((x) => x._id));
      expect(missing(counts)).toEqual([]);
      expect(twice(counts)).toBe(0);
    } finally {
      sim.setFaultRule(undefined);
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('a lease taken over while a page is being read: the run stops at once, a clean yield, nothing of that page sent', async () => {
    const now = Date.now();
    const alerts = generateAlerts(150, { seed: 43, start: now - 10 * MIN, end: now - 1000 });
    sim.addAlerts(alerts);
    const cfg = config('taken-while-reading');
    cfg.relay.leaseMs = 1_500;
    const store = createStore(cfg);
    const relay = createRelay(cfg);
    try {
      // The second page answers after 5 s; meanwhile another host takes the lease.
      let delayed = 0;
      const base = sim.stats.requests;
      sim.setFaultRule(() => (sim.stats.requests - base === 2 && delayed++ === 0 ? { kind: 'delay', ms: 5_000 } : undefined));
      const running = relay.run({ logger: recorder() });
      await new Promise((r) => setTimeout(r, 1_000));
      const cp = (await store.readCheckpoint('alerts'))!;
      await store.writeCheckpoint('alerts', { ...cp.value, lease: { owner: 'other-host:1:y', host: 'other-host', pid: 1, until: Date.now() + 60 * MIN } }, cp.etag);
      const result = await running;
      sim.setFaultRule(undefined);
      // A yield, not LEASE_LOST: the run stopped before that page was delivered (had it waited for the
      // answer, it would have delivered, then failed to commit).
      expect(result.yielded).toBe(true);
      expect(result.error).toBeUndefined();
      expect(result.sent).toBe(100); // the first page only
      const mine = (await store.readCheckpoint('alerts'))!.value;
      expect(mine.lease?.owner).toBe('other-host:1:y');
    } finally {
      sim.setFaultRule(undefined);
      await relay.close();
    }
  });

  it('a lease taken over while a batch is being delivered is a failure that says so, never a clean yield', async () => {
    const now = Date.now();
    const alerts = generateAlerts(120, { seed: 42, start: now - 10 * MIN, end: now - 1000 });
    sim.addAlerts(alerts);
    const cfg = config('stolen');
    const store = createStore(cfg);
    const real = createSender(cfg.syslog);
    let stolen = false;
    // The real sender, with another runner taking the lease while the first batch is on the wire.
    const sender: SyslogSender = {
      deliver: async (lines, signal) => {
        if (!stolen) {
          stolen = true;
          const cp = (await store.readCheckpoint('alerts'))!;
          await store.writeCheckpoint('alerts', { ...cp.value, lease: { owner: 'other-host:1:x', host: 'other-host', pid: 1, until: Date.now() + 60 * MIN } }, cp.etag);
        }
        return real.deliver(lines, signal);
      },
      close: () => real.close(),
    };
    const relay = createRelay(cfg, { sender });
    try {
      const log = recorder();
      const result = await relay.run({ logger: log });
      expect(result.yielded).toBe(false);
      expect(result.outcome).toBe('failure');
      expect(result.error?.code).toBe('LEASE_LOST');
      // The batches handed to the sender and not committed: up to the delivery window of 100-alert pages.
      const sent = Number(/(\d+) alerts events were delivered, then the lease was lost/.exec(result.error?.message ?? '')?.[1]);
      expect(sent).toBeGreaterThanOrEqual(100);
      expect(sent).toBeLessThanOrEqual(DELIVERY_WINDOW * 100);
      // The checkpoint is the other runner's: not moved past the batch by this one.
      const cp = (await store.readCheckpoint('alerts'))!.value;
      expect(cp.lease?.owner).toBe('other-host:1:x');
      expect(cp.deliveredTotal).toBe(0);
    } finally {
      await relay.close();
    }
  });
});

describe('a failed run still reports where it stands', () => {
  it('syslog host down: the summary has the lag, the requests and what was fetched, logged as an error', async () => {
    const cfg0 = config('down-first');
    const ok = createRelay(cfg0);
    const now = Date.now();
    sim.addAlerts(generateAlerts(20, { seed: 51, start: now - 10 * MIN, end: now - 1000 }));
    await ok.run({ logger: recorder() });
    await ok.close();

    const cfg = config('down', { SYSLOG_PORT: '9' }); // nothing listens on discard
    const relay = createRelay(cfg);
    try {
      const log = recorder();
      const result = await relay.run({ logger: log });
      expect(result.outcome).toBe('failure');
      expect(result.error?.code).toMatch(/^SYSLOG_/);
      expect(result.requests).toBeGreaterThanOrEqual(1);
      expect(result.lagMs).toBeGreaterThan(86_400_000); // first run: two days of look-back, nothing committed
      expect(result.dataTypes[0]!.fetched).toBeGreaterThan(0);
      const line = summaryLine(result);
      expect(line).toMatch(/^relay failure .*lag=(\d{6,})s .*requests=[1-9]/);
      const runLine = log.lines.find((l) => l.line.includes('relay.run'));
      expect(runLine?.level).toBe('error');
      const status = await createStore(cfg).readStatus();
      expect(status?.lastRun?.dataTypes.alerts?.lagMs).toBeGreaterThan(86_400_000);
    } finally {
      await relay.close();
    }
  });
});

describe('a checkpoint store frozen mid-run', () => {
  it('the run ends with a clear error within its budget, and nothing is lost once the store thaws', async () => {
    const frozen = await freezableAzurite(azurite);
    const now = Date.now();
    const alerts = generateAlerts(400, { seed: 61, start: now - 10 * MIN, end: now - 1000 });
    sim.addAlerts(alerts);
    const cfg = config('frozen', { RELAY_CHECKPOINT_STORAGE: frozen.connectionString });
    const relay = createRelay(cfg);
    try {
      // Freeze after the second page is fetched: the store stops answering mid-run.
      let pages = 0;
      const base = sim.stats.requests;
      sim.setFaultRule(() => {
        if (sim.stats.requests - base === 3 && pages++ === 0) frozen.freeze();
        return undefined;
      });
      const started = Date.now();
      const log = recorder();
      const result = await relay.run({ logger: log, deadline: started + 5_000, hardDeadline: started + 8_000 });
      sim.setFaultRule(undefined);
      expect(result.outcome).not.toBe('success');
      expect(result.error?.code).toMatch(/^(CHECKPOINT_UNAVAILABLE|RUN_ABORTED)$/);
      expect(Date.now() - started).toBeLessThan(60_000); // bounded: the store's own timeouts end what the deadline does not
      expect(log.lines.find((l) => l.line.includes('"relay.run"'))?.level).toBe('error');

      frozen.thaw();
      for (let i = 0; i < 5; i++) {
        const again = await relay.run({ logger: recorder() });
        expect(again.yielded).toBe(false); // its own left-over lease does not block this process
        if (again.error === undefined && again.sent === 0) break;
      }
      expect(missing(await arrivals(alerts.map((a) => a._id)))).toEqual([]);
    } finally {
      sim.setFaultRule(undefined);
      frozen.thaw();
      await relay.close();
      await frozen.close();
    }
  }, 120_000);
});
