// At least once under kill -9, Graph source: the CLI is killed at random instants 20 times while it reads
// 5,000 alerts of six products from the Graph simulator, then while it reads 300 later updates; every
// alert and every update reaches syslog-ng, and duplicates stay within one page per kill (the window's
// `sent` set is committed with each delivered page, so a restarted window drops what was delivered).
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_PAGE_SIZE } from '../../src/sources/graph/reader.js';
import { startGraphSimulator, type GraphSimulator } from '../../src/simulator/graph/index.js';
import { runCli } from '../support/cli.js';
import { runAndKill } from '../support/kill-mid-run.js';
import { graphRelaySettings, tallyGraphLines } from '../support/graph-lines.js';
import { assertNoSecretsInDir } from '../support/secret-scan.js';
import { fakeToken } from '../support/secrets.js';
import { startSyslogNg, type Receiver } from '../support/syslog-ng.js';

const TOTAL = 5000;
const UPDATES = 300;
const KILLS = 20;
/** Kill attempts while the updates are read (3 pages: most of these runs finish first). */
const UPDATE_KILLS = 5;
/** The reader's page ($top). */
const PAGE = DEFAULT_PAGE_SIZE;
// The bar: one page per kill. It holds with RELAY_DELIVERY_WINDOW=1 (one page on its way at a
// time); the default window of 4 re-sends up to 4 pages per kill, whichever the source (test/delivery/crash.test.ts).
const PER_KILL = PAGE;
const token = fakeToken('graph crash test token');
let sim: GraphSimulator;
let syslog: Receiver;
let env: Record<string, string>;

beforeAll(async () => {
  [sim, syslog] = await Promise.all([startGraphSimulator({ tokens: [token], rateLimit: false }), startSyslogNg({ mode: 'tcp-lf', raw: true })]);
  const now = Date.now();
  sim.generate(TOTAL, { seed: 5, start: now - 86_400_000 + 3_600_000, end: now - 60_000 });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'relay-graph-crash-'));
  env = graphRelaySettings(sim.url, token, syslog.port, { RELAY_STATE_DIR: path.join(dir, 'state'), RELAY_LOG_LEVEL: 'warn', RELAY_DELIVERY_WINDOW: '1' });
});
afterAll(async () => {
  await Promise.all([sim?.close(), syslog?.stop()]);
});

/** Lines that are a strict prefix of another line: what a kill mid-write leaves an LF-framed receiver. */
function fragmentsOf(lines: readonly string[]): Set<string> {
  const sorted = [...lines].sort();
  const out = new Set<string>();
  // Sorted, every line that extends s follows s with only such lines between: the next one decides.
  for (let i = 0; i + 1 < sorted.length; i++) if (sorted[i + 1]!.length > sorted[i]!.length && sorted[i + 1]!.startsWith(sorted[i]!)) out.add(sorted[i]!);
  return out;
}

async function cleanRun(): Promise<void> {
  const r = await runCli(['run', '--once'], env);
  expect(r.code, `clean run: ${r.stdout}\n${r.stderr.slice(-2000)}`).toBe(0);
}

describe('a Graph backfill and its updates killed with SIGKILL', () => {
  it('delivers every alert and every update at least once, with at most one page duplicated per kill (RELAY_DELIVERY_WINDOW=1)', async () => {
    let killedMidRun = 0;
    for (let i = 0; i < KILLS; i++) if (await runAndKill(env, syslog)) killedMidRun++;
    await cleanRun();
    // Updates of alerts already delivered: each must come as an update event.
    const updated = sim.updateAlerts({ count: UPDATES, seed: 3 }, { status: 'resolved', classification: 'falsePositive' }).map((a) => a.id);
    for (let i = 0; i < UPDATE_KILLS; i++) if (await runAndKill(env, syslog)) killedMidRun++;
    await cleanRun();

    const lines = await syslog.waitForLines(TOTAL + UPDATES, 30_000);
    const fragments = fragmentsOf(lines);
    expect(fragments.size).toBeLessThanOrEqual(killedMidRun);
    const whole = lines.filter((l) => !fragments.has(l));
    const tally = tallyGraphLines(whole, sim.all(), { fragments: true });
    expect(tally.fragments.map((l) => l.slice(0, 120)), 'lines that are neither whole events nor the start of one').toEqual([]);
    expect(tally.unknown).toEqual([]);
    expect(sim.all().filter((a) => !tally.news.has(a.id)).map((a) => a.id), 'alerts never delivered').toEqual([]);
    expect(updated.filter((id) => !tally.updates.has(id)), 'updates never delivered').toEqual([]);
    expect([...tally.updates.keys()].filter((id) => !updated.includes(id)), 'updates of alerts that did not change').toEqual([]);

    const duplicates = whole.length - tally.news.size - tally.updates.size;
    expect(killedMidRun).toBeGreaterThan(0);
    expect(duplicates).toBeLessThanOrEqual(killedMidRun * PER_KILL);
    expect(await assertNoSecretsInDir(env.RELAY_STATE_DIR!)).toBeGreaterThan(0);
    console.log(`graph crash test: ${killedMidRun} kills mid-run, ${lines.length} lines for ${TOTAL} alerts + ${UPDATES} updates, ${duplicates} duplicates, ${fragments.size} fragments`);
  }, 300_000);
});
