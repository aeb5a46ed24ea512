// A bad setting stops both entry points before anything runs, by name: the CLI exits 2 with one clean
// message (no stack), and the Function's invocation fails with CONFIG_INVALID naming the setting.
import { InvocationContext, type Timer } from '@azure/functions';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { relayTimer, resetRelay } from '../../functions/relay.js';
import { DEFAULT_SCHEDULE, timerSchedule } from '../../src/config/schedule.js';
import { startSimulator } from '../../src/simulator/server.js';
import { runCli } from '../support/cli.js';
import { fakeToken, registerSecret } from '../support/secrets.js';

const token = fakeToken('refused-at-start token');
const stateDir = mkdtempSync(path.join(os.tmpdir(), 'relay-refused-'));
// Nothing listens on these: a run that got past the configuration would fail differently (exit 1).
const env = { MDCA_PORTAL_URL: 'http://127.0.0.1:9', MDCA_TOKEN: token, SYSLOG_HOST: '127.0.0.1', SYSLOG_PORT: '9', RELAY_STATE_DIR: stateDir, HEARTBEAT_INTERVAL: 'PT0S' };
afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

describe('the CLI refuses a bad setting at start', () => {
  const proxyPassword = registerSecret('s3cret-proxy-pass', 'proxy password');
  it.each([
    ['MDCA_REQUEST_TIMEOUT', 'PT0S', ['run', '--once']],
    ['RELAY_SCHEDULE', 'not a cron', ['run']],
    ['RELAY_SCHEDULE', '0 */99 * * * *', ['run']],
    ['MDCA_PROXY', `http://relay:${proxyPassword}@proxy.contoso.local:0`, ['run', '--once']],
    ['SYSLOG_PORT', '1e3', ['run', '--once']],
    ['RELAY_LEASE', 'PT0S', ['status']],
  ])('%s=%j: exit 2, the setting named, no stack trace', async (name, value, args) => {
    const r = await runCli(args, { ...env, [name]: value });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^  - ${name}: `, 'm'));
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(r.stderr).not.toContain(proxyPassword);
    expect(r.stdout).toBe('');
  });

  it('a usage mistake in replay is a configuration error too (exit 2), not a crash', async () => {
    const r = await runCli(['replay', '--from', '2024-01-02T00:00:00Z', '--to', '2024-01-01T00:00:00Z'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--to: must be after --from/);
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });

  it('a failure that is not about configuration is not exit 2, and prints no stack', async () => {
    // The simulator knows another token: the API rejects ours (TOKEN_REJECTED), a run-time failure.
    const sim = await startSimulator({ tokens: [fakeToken('the only token the simulator takes')] });
    try {
      const r = await runCli(['run', '--once'], { ...env, MDCA_PORTAL_URL: sim.url });
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/TOKEN_REJECTED/);
      expect(r.stderr).not.toMatch(/^\s+at /m);
    } finally {
      await sim.close();
    }
  });
});

describe('the Function reports a bad setting by name', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = saved;
    resetRelay();
  });
  const timer = { isPastDue: false, scheduleStatus: { last: '', next: '', lastUpdated: '' } } as Timer;
  const context = () => new InvocationContext({ invocationId: 'refused', functionName: 'relay', logHandler: () => undefined });

  it.each([
    ['RELAY_SCHEDULE', '* * *'],
    ['RELAY_LEASE', 'PT0S'],
    ['MDCA_REQUEST_TIMEOUT', 'PT0S'],
    ['SYSLOG_PORT', '1e3'],
  ])('%s=%j fails the invocation with CONFIG_INVALID naming it', async (name, value) => {
    process.env = { ...saved, ...env, RELAY_STATE_DIR: undefined, AzureWebJobsStorage: 'UseDevelopmentStorage=true', [name]: value };
    resetRelay();
    await expect(relayTimer(timer, context())).rejects.toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringMatching(new RegExp(`^  - ${name}: `, 'm')) });
  });

  it('registers the timer with the default schedule when RELAY_SCHEDULE is refused, so the host still indexes the app', () => {
    expect(timerSchedule('0 */5 * * * *')).toBe('0 */5 * * * *');
    expect(timerSchedule(undefined)).toBe(DEFAULT_SCHEDULE);
    for (const bad of ['not a cron', '* * *', '0 */99 * * * *', '']) expect(timerSchedule(bad)).toBe(DEFAULT_SCHEDULE);
  });
});
