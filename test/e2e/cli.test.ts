// The command-line relay end to end: simulator API -> CLI -> CEF -> rsyslog, checkpoint in a directory.
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { generateAlerts } from '../../src/simulator/fixtures.js';
import { startSimulator, type Simulator } from '../../src/simulator/server.js';
import { runCli } from '../support/cli.js';
import { startRsyslog, type Receiver } from '../support/rsyslog.js';
import { assertNoSecretsInDir } from '../support/secret-scan.js';
import { assertNoSecrets, fakeToken } from '../support/secrets.js';
import { seedLines } from '../support/seed-lines.js';

const token = fakeToken('cli e2e token');
let sim: Simulator;
let syslog: Receiver;
let dir: string;
let state: string;

// Each test has its own simulator (the seed alerts plus what it adds) and its own state directory, so
// none depends on another having run; rsyslog is shared and its lines are counted from each test's start.
beforeAll(async () => {
  syslog = await startRsyslog({ mode: 'tcp-lf', raw: true });
  dir = await mkdtemp(path.join(os.tmpdir(), 'relay-cli-e2e-'));
});
afterAll(async () => {
  await syslog?.stop();
  // Checkpoints, status records and log files of every test: no secret.
  if (dir) expect(await assertNoSecretsInDir(dir)).toBeGreaterThan(0);
});
beforeEach(async () => {
  sim = await startSimulator({ tokens: [token], includeSeedAlerts: true });
  state = await mkdtemp(path.join(dir, 'state-'));
});
afterEach(async () => sim?.close());

/** A first run of this test's relay: the six seed alerts delivered and a checkpoint written. */
async function relayOnce(): Promise<void> {
  const already = (await syslog.lines()).length;
  const r = await runCli(['run', '--once', '--token', token], env());
  expect(r.code, r.stderr).toBe(0);
  await syslog.waitForLines(already + 6);
}

function env(extra: Record<string, string> = {}): Record<string, string> {
  return {
    MDCA_PORTAL_URL: sim.url,
    SYSLOG_HOST: '127.0.0.1',
    SYSLOG_PORT: String(syslog.port),
    // arcsight lines start with a digit (the timestamp), which rsyslog's imtcp takes for an octet
    // count unless SupportOctetCountedFraming="off": octet counting is the framing it reads safely.
    SYSLOG_FRAMING: 'octet-counting',
    SIEM_FORMAT: 'arcsight',
    RELAY_STATE_DIR: state,
    RELAY_INITIAL_LOOKBACK: 'P4000D',
    HEARTBEAT_INTERVAL: 'PT0S',
    ...extra,
  };
}

describe('mdca-siem-relay (CLI)', () => {
  it('prints usage with -h, naming the jar\'s flags', async () => {
    const r = await runCli(['-h'], {});
    expect(r.code).toBe(0);
    for (const flag of ['--token', '--proxy', '--logsDirectory', 'run --once', 'replay', 'check', 'status']) expect(r.stdout).toContain(flag);
  });

  it('relays the seed alerts with --token, then nothing, then only a new alert', async () => {
    const logs = path.join(state, 'logs');
    const already = (await syslog.lines()).length;
    const first = await runCli(['run', '--once', '--token', token, '--logsDirectory', logs], env());
    expect(first.stderr + first.stdout).not.toMatch(/error/i);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/relay success sent=6 /);
    expect([...(await syslog.waitForLines(already + 6)).slice(already)].sort()).toEqual([...seedLines()].sort());

    const second = await runCli(['run', '--once'], env({ MDCA_TOKEN: token }));
    expect(second.stdout).toMatch(/relay success sent=0 /);

    const [fresh] = generateAlerts(1, { seed: 7, timestamp: Date.now() - 1_000 });
    sim.addAlerts([fresh!]);
    const third = await runCli(['run', '--once'], env({ MDCA_TOKEN: token }));
    expect(third.stdout).toMatch(/relay success sent=1 /);
    // The fresh alert arrives last: once it is in, a re-sent seed alert of the second run would be in too.
    const lines = (await syslog.waitFor((ls) => ls.some((l) => l.includes(fresh!._id)))).slice(already);
    expect(lines).toHaveLength(7);
    expect(lines.filter((l) => l.includes(fresh!._id))).toHaveLength(1);

    const logText = (await Promise.all((await readdir(logs)).map((f) => readFile(path.join(logs, f), 'utf8')))).join('');
    expect(logText).toMatch(/"event":"relay\.run".*"outcome":"success".*"sent":6/);
    for (const out of [first, second, third]) assertNoSecrets(out.stdout + out.stderr, 'CLI output');
    assertNoSecrets(logText, 'log files');
  });

  it('shows the status as Connected with the watermark', async () => {
    await relayOnce();
    const r = await runCli(['status', '--json'], env({ MDCA_TOKEN: token }));
    expect(r.code).toBe(0);
    const view = JSON.parse(r.stdout) as { state: string; watermarks: Record<string, string> };
    expect(view.state).toBe('Connected');
    expect(view.watermarks.alerts).toMatch(/^\d{4}-/);
    assertNoSecrets(r.stdout, 'status output');
  });

  it('exits 2 naming each bad setting, and leaves the checkpoint untouched', async () => {
    await relayOnce();
    const stateFile = path.join(state, '127.0.0.1', 'checkpoint-alerts.json');
    const before = await readFile(stateFile, 'utf8');
    const r = await runCli(['run', '--once', '--token', token], env({ MDCA_PORTAL_URL: 'http://portal.example.com', SYSLOG_PORT: '70000', RELAY_INITIAL_LOOKBACK: 'two days' }));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/MDCA_PORTAL_URL: must use https:\/\//);
    expect(r.stderr).toMatch(/SYSLOG_PORT: "70000" must be a whole number from 1 to 65535/);
    expect(r.stderr).toMatch(/RELAY_INITIAL_LOOKBACK: "two days" is not an ISO-8601 duration/);
    expect(await readFile(stateFile, 'utf8')).toBe(before);
    assertNoSecrets(r.stdout + r.stderr, 'CLI error output');
  });

  it('replays a past range without moving the live checkpoint', async () => {
    await relayOnce();
    const stateFile = path.join(state, '127.0.0.1', 'checkpoint-alerts.json');
    const before = JSON.parse(await readFile(stateFile, 'utf8')) as { value: { cursor: unknown } };
    const already = (await syslog.lines()).length;
    const r = await runCli(['replay', '--from', '2017-07-16T00:00:00Z', '--to', '2017-07-16T23:59:59Z'], env({ MDCA_TOKEN: token }));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/replay success sent=5 /);
    const lines = await syslog.waitForLines(already + 5);
    expect(lines.slice(already).every((l) => l.includes('2017-07-16T'))).toBe(true);
    const after = JSON.parse(await readFile(stateFile, 'utf8')) as { value: { cursor: unknown } };
    expect(after.value.cursor).toEqual(before.value.cursor);
  });

  it('rejects a wrong token as "token rejected" and exits 1', async () => {
    const r = await runCli(['run', '--once'], env({ MDCA_TOKEN: fakeToken('wrong token') }));
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toMatch(/TOKEN_REJECTED/);
    assertNoSecrets(r.stdout + r.stderr, 'CLI output');
  });
});
