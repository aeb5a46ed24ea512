// Issue 15's kill bar end to end: a 20,000-alert backfill from the API simulator through the relay as
// the CLI builds it (RELP, file checkpoint, default delivery and RELP windows) into real rsyslog imrelp
// in the "ack means written" configuration (Direct ruleset queue), kill -9'd at 10 seeded moments.
// At each kill the committed checkpoint covers only alerts already in rsyslog's file; an operator's
// loop runs again from the checkpoint after a run that failed during an outage; at the end every
// alert is in the file, with duplicates within the window each kill may cost (docs/syslog.md).
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { createRelay, createStore } from '../../src/pipeline/relay.js';
import { DELIVERY_WINDOW, type RunSummary } from '../../src/pipeline/run.js';
import { generateAlerts, prng } from '../../src/simulator/fixtures.js';
import { startSimulator, type Simulator } from '../../src/simulator/server.js';
import { DEFAULT_RELP_WINDOW } from '../../src/syslog/relp/sender.js';
import type { MdcaAlert } from '../../src/sources/mdca/types.js';
import { countExternalIds } from '../support/external-ids.js';
import { guardedLogger } from '../support/guard-sink.js';
import { startRsyslog, type Receiver } from '../support/rsyslog.js';
import { fakeToken } from '../support/secrets.js';

const TOTAL = 20_000;
const KILLS = 10;
const PAGE = 100; // the API's page: one batch
/** Each kill fails at most the run it hits (the loop waits for the receiver before the next run), plus the last run. */
const MAX_RUNS = 2 * KILLS + 1;
const token = fakeToken('relp backfill kills token');

let sim: Simulator;
let rsyslog: Receiver;
let stateDir: string;
let alerts: MdcaAlert[];

beforeAll(async () => {
  const now = Date.now();
  alerts = generateAlerts(TOTAL, { seed: 15, start: now - 86_400_000, end: now - 60_000 });
  [sim, rsyslog] = await Promise.all([
    startSimulator({ tokens: [token], rateLimit: false, alerts }),
    startRsyslog({ mode: 'relp', raw: true, ackMeansWritten: true }),
  ]);
  stateDir = await mkdtemp(path.join(os.tmpdir(), 'relay-relp-kills-'));
});
afterAll(async () => {
  await Promise.all([sim?.close(), rsyslog?.stop()]);
  if (stateDir) await rm(stateDir, { recursive: true, force: true });
});

interface Kill {
  /** Fires at the first commit that brings the committed total to this many alerts. */
  at: number;
  /** true: at once, right after that commit (a TCP half-close would already be answered); false: a few ms later, frames in flight. */
  afterCommit: boolean;
  delayMs: number;
  /** rsyslog stays down until the run it hit has ended: the sender's retries run out, the run fails, the next one resends from the checkpoint. */
  outlastsRetries: boolean;
}

interface KillRecord {
  kill: Kill;
  run: number;
  /** Alerts in the file that the checkpoint did not cover yet: written, not committed (frames were in flight). */
  aheadOfCheckpoint: number;
  /** Duplicate lines in the file at this kill (before its restart): what the earlier kills cost. */
  duplicatesBefore: number;
  /** The run it hit ended in failure (retries exhausted during the outage): the next run resent from the checkpoint. */
  failedRun: boolean;
}

/** Ten kills spread over the backfill from a fixed seed: the same plan on every run. */
function killPlan(): Kill[] {
  const random = prng(0x15_0de);
  return Array.from({ length: KILLS }, (_, k) => ({
    at: 1_000 + k * 1_850 + Math.floor(random() * 1_000),
    afterCommit: k % 2 === 0,
    delayMs: 1 + Math.floor(random() * 15),
    // Without these, rsyslog is back within the retries (about 1 s) and no run ever fails.
    outlastsRetries: k % 3 === 2,
  }));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('RELP backfill into rsyslog ("ack means written") killed with SIGKILL 10 times', () => {
  it('the checkpoint never passes an alert that is not in the file; all 20,000 arrive; duplicates stay within one window per kill', { timeout: 120_000 }, async () => {
    const config = loadConfig(
      {
        MDCA_PORTAL_URL: sim.url,
        MDCA_TOKEN: token,
        MDCA_REQUESTS_PER_MINUTE: '6000',
        SYSLOG_HOST: '127.0.0.1',
        SYSLOG_PORT: String(rsyslog.port),
        SYSLOG_PROTOCOL: 'relp',
        RELAY_STATE_DIR: path.join(stateDir, 'state'),
        HEARTBEAT_INTERVAL: 'PT0S',
      },
      'cli',
    );
    expect(config.relay.deliveryWindow ?? DELIVERY_WINDOW).toBe(DELIVERY_WINDOW); // the defaults are what is tested
    expect(config.syslog.relpWindow ?? DEFAULT_RELP_WINDOW).toBe(DEFAULT_RELP_WINDOW);
    const relay = createRelay(config);
    const store = createStore(config);
    const served = new Set(alerts.map((a) => a._id));

    /** Ids the committed checkpoint claims delivered: every alert dated below its watermark, and the ids in `sent`. */
    const covered = async (): Promise<string[]> => {
      const cursor = (await store.readCheckpoint('alerts'))?.value.cursor;
      if (!cursor) return [];
      const ids = new Set(alerts.filter((a) => a.timestamp < cursor.watermark).map((a) => a._id));
      for (const id of Object.keys(cursor.sent)) ids.add(id);
      return [...ids];
    };
    const fileCounts = async () => countExternalIds(await rsyslog.lines()).counts;
    const duplicatesIn = (counts: Map<string, number>) => [...counts.values()].reduce((n, c) => n + c - 1, 0);

    const plan = killPlan();
    const kills: KillRecord[] = [];
    let run = 0;
    let committedBefore = 0; // alerts committed by the runs before this one
    let outage: Promise<void> | undefined; // the kill in progress: check, then restart
    let runEnded: Promise<void> = Promise.resolve(); // resolves when the current run returns
    let killError: unknown;

    const killNow = async (kill: Kill): Promise<void> => {
      const ended = runEnded;
      if (!kill.afterCommit) await sleep(kill.delayMs); // the kill moment, not a wait for a result
      await rsyslog.kill(); // SIGKILL goes out synchronously: at once after the commit for afterCommit kills
      // rsyslog is dead: no ack can come before the restart, so whatever the checkpoint covers now
      // (batches acknowledged before the kill may still be committing: read it after) must be written.
      const counts = await fileCounts();
      const claimed = await covered();
      const missing = claimed.filter((id) => !counts.has(id));
      const record: KillRecord = { kill, run, aheadOfCheckpoint: counts.size - claimed.length, duplicatesBefore: duplicatesIn(counts), failedRun: false };
      kills.push(record);
      expect(missing, `kill ${kills.length} (${kill.afterCommit ? 'right after a commit' : `${kill.delayMs} ms after a commit`}): ${missing.length} of ${claimed.length} alerts the checkpoint covers are not in rsyslog's file`).toEqual([]);
      if (kill.outlastsRetries) await ended;
      await rsyslog.restart();
    };

    const onProgress = (p: { sent: number }) => {
      const next = plan[kills.length];
      if (outage || !next || committedBefore + p.sent < next.at) return;
      outage = killNow(next)
        .catch((err: unknown) => void (killError ??= err))
        .finally(() => (outage = undefined));
    };

    // The operator's loop (the CLI's `run` on its schedule): one relay, a run after each failed one,
    // started once the receiver is back, as the next scheduled tick would find it.
    const summaries: RunSummary[] = [];
    try {
      while (committedBefore < TOTAL) {
        if (run >= MAX_RUNS) throw new Error(`${run} runs (the cap) and ${committedBefore} of ${TOTAL} alerts committed; last run: ${summaries.at(-1)?.outcome} ${summaries.at(-1)?.error?.message ?? ''}`);
        run++;
        let endRun!: () => void;
        runEnded = new Promise((resolve) => (endRun = resolve));
        const summary = await relay.run({ logger: guardedLogger({ level: 'info' }), onProgress });
        endRun();
        summaries.push(summary);
        await outage;
        if (killError) throw killError;
        committedBefore += summary.sent;
        if (summary.error) {
          expect(summary.error.code, summary.error.message).toMatch(/^SYSLOG_/); // only the receiver's outage may fail a run
          const last = kills.filter((k) => k.run === run).at(-1);
          expect(last, `run ${run} failed without a kill: ${summary.error.message}`).toBeDefined();
          last!.failedRun = true;
        }
      }
    } finally {
      await relay.close();
    }
    expect(kills).toHaveLength(KILLS);
    // Held down until its run ended, a kill's run can only have failed: the retry path was taken.
    for (const k of kills.filter((r) => r.kill.outlastsRetries)) expect(k.failedRun, `the run of kill at ${k.kill.at} did not fail`).toBe(true);
    expect(committedBefore).toBe(TOTAL);

    const counts = await fileCounts();
    const missing = alerts.filter((a) => !counts.has(a._id)).map((a) => a._id);
    expect(missing, 'alerts lost').toEqual([]);
    expect([...counts.keys()].filter((id) => !served.has(id)), 'ids the simulator never served').toEqual([]);

    // What each kill cost: the duplicates that appeared between it and the next kill (or the end).
    // docs/syslog.md: a kill the sender rides out resends what was unacknowledged on the session, at
    // most the RELP window (DEFAULT_RELP_WINDOW); a run that failed is resent from the checkpoint by the next run, at
    // most the delivery window (4 pages of 100).
    const total = duplicatesIn(counts);
    const perKill = kills.map((k, i) => (kills[i + 1]?.duplicatesBefore ?? total) - k.duplicatesBefore);
    const bound = (k: KillRecord) => (k.failedRun ? DELIVERY_WINDOW * PAGE : DEFAULT_RELP_WINDOW);
    kills.forEach((k, i) => expect(perKill[i], `kill ${i + 1} (${k.failedRun ? 'its run failed' : 'ridden out by the sender'})`).toBeLessThanOrEqual(bound(k)));
    expect(kills[0]!.duplicatesBefore).toBe(0);
    expect(total).toBeLessThanOrEqual(kills.reduce((n, k) => n + bound(k), 0));

    const failedRuns = summaries.filter((s) => s.error).length;
    const detail = kills.map((k, i) => `${k.kill.afterCommit ? 'A' : 'F'}${k.failedRun ? '!' : ''}:${perKill[i]}/${k.aheadOfCheckpoint}`).join(' ');
    console.log(
      `relp backfill kill -9: ${kills.length} kills, ${total} duplicates, ${run} runs (${failedRuns} failed), ${(relay.sender as { status?: () => { outages: number } }).status?.().outages ?? '?'} sender outages; ` +
        `per kill (A after a commit / F frames in flight, ! its run failed): duplicates/alerts written ahead of the checkpoint: ${detail}`,
    );
  });
});
