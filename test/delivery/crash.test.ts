// At least once under kill -9: the CLI is killed at random instants during a 5,000-alert backfill,
// 20 times; every alert reaches syslog-ng, and duplicates stay within the delivery window (the pages
// in flight: DELIVERY_WINDOW) per kill.
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DELIVERY_WINDOW } from '../../src/pipeline/run.js';
import { generateAlerts } from '../../src/simulator/fixtures.js';
import { startSimulator, type Simulator } from '../../src/simulator/server.js';
import { assertNoSecretsInDir } from '../support/secret-scan.js';
import { countExternalIds } from '../support/external-ids.js';
import { runCli } from '../support/cli.js';
import { runAndKill } from '../support/kill-mid-run.js';
import { fakeToken } from '../support/secrets.js';
import { startSyslogNg, type Receiver } from '../support/syslog-ng.js';

const TOTAL = 5000;
const KILLS = 20;
const PAGE = 100;
const token = fakeToken('crash test token');
let sim: Simulator;
let syslog: Receiver;
let env: Record<string, string>;

beforeAll(async () => {
  const now = Date.now();
  [sim, syslog] = await Promise.all([
    startSimulator({ tokens: [token], rateLimit: false, alerts: generateAlerts(TOTAL, { seed: 5, start: now - 86_400_000, end: now - 60_000 }) }),
    startSyslogNg({ mode: 'tcp-lf', raw: true }),
  ]);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'relay-crash-'));
  env = {
    MDCA_PORTAL_URL: sim.url,
    MDCA_TOKEN: token,
    MDCA_REQUESTS_PER_MINUTE: '6000',
    SYSLOG_HOST: '127.0.0.1',
    SYSLOG_PORT: String(syslog.port),
    RELAY_STATE_DIR: path.join(dir, 'state'),
    HEARTBEAT_INTERVAL: 'PT0S',
    RELAY_LOG_LEVEL: 'warn',
  };
});
afterAll(async () => {
  await Promise.all([sim?.close(), syslog?.stop()]);
});

describe('a backfill killed with SIGKILL 20 times', () => {
  it('delivers every alert at least once, with at most the delivery window of duplicates per kill', async () => {
    let killedMidRun = 0;
    for (let i = 0; i < KILLS; i++) if (await runAndKill(env, syslog)) killedMidRun++;
    const final = await runCli(['run', '--once'], env);
    expect(final.code, `final run: ${final.stdout}\n${final.stderr.slice(-2000)}`).toBe(0);

    const lines = await syslog.waitForLines(TOTAL, 30_000);
    const { counts, unidentified } = countExternalIds(lines);
    // LF framing cannot mark a message incomplete: a kill in the middle of a write leaves the receiver a
    // fragment, which it writes as a line when the connection drops. Each must be the start of an event that
    // was then delivered whole (it was never committed), and there is at most one per session in flight.
    const whole = lines.filter((l) => !unidentified.includes(l));
    for (const part of unidentified) expect(whole.some((l) => l.length > part.length && l.startsWith(part)), `a fragment of no delivered event: ${part.slice(0, 120)}`).toBe(true);
    expect(unidentified.length).toBeLessThanOrEqual(killedMidRun * DELIVERY_WINDOW);
    const missing = sim.all('alerts').filter((a) => !counts.has(a._id));
    expect(missing).toHaveLength(0);
    const duplicates = whole.length - counts.size;
    expect(killedMidRun).toBeGreaterThan(0);
    expect(duplicates).toBeLessThanOrEqual(killedMidRun * DELIVERY_WINDOW * PAGE);
    // Checkpoint, lock and status files left by 21 runs, 20 of them killed: no secret in any.
    expect(await assertNoSecretsInDir(env.RELAY_STATE_DIR!)).toBeGreaterThan(0);
    console.log(`crash test: ${killedMidRun} kills mid-run, ${lines.length} lines for ${TOTAL} alerts, ${duplicates} duplicates, ${unidentified.length} fragments`);
  }, 240_000);
});
