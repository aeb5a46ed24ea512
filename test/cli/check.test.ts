// `mdca-siem-relay check`, tried as a new user would against each fault: the failing step is named
// with its fix, the exit code says whether everything passed.
import net from 'node:net';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/simulator/server.js';
import { parseLine } from '../support/cef-parser.js';
import { runCli } from '../support/cli.js';
import { freePort } from '../support/ports.js';
import { assertNoSecrets, fakeToken } from '../support/secrets.js';
import { startSyslogNg, type Receiver } from '../support/syslog-ng.js';

const token = fakeToken('check token');
let sim: Simulator;
let syslog: Receiver;
let dir: string;
let closedPort: number;

beforeAll(async () => {
  [sim, syslog, closedPort] = await Promise.all([startSimulator({ tokens: [token] }), startSyslogNg({ mode: 'tcp-lf', raw: true }), freePort()]);
  dir = await mkdtemp(path.join(os.tmpdir(), 'relay-check-'));
});
afterAll(async () => {
  await Promise.all([sim?.close(), syslog?.stop()]);
});

const env = (extra: Record<string, string> = {}) => ({
  MDCA_PORTAL_URL: sim.url,
  MDCA_TOKEN: token,
  SYSLOG_HOST: '127.0.0.1',
  SYSLOG_PORT: String(syslog.port),
  SYSLOG_CONNECT_TIMEOUT: 'PT2S',
  RELAY_STATE_DIR: path.join(dir, 'state'),
  ...extra,
});

function line(out: string, step: string): string {
  return out.split('\n').find((l) => l.includes(` ${step}:`)) ?? `(no line for ${step})`;
}

describe('mdca-siem-relay check', () => {
  it('passes every step on a working setup and delivers a marked test event that parses as CEF', async () => {
    const r = await runCli(['check', '--send-test-event'], env());
    expect(r.stdout).toMatch(/all checks passed/);
    expect(r.code).toBe(0);
    for (const step of ['configuration', 'API URL and token', 'checkpoint store', 'syslog host']) expect(line(r.stdout, step)).toMatch(/^PASS/);
    const [event] = await syslog.waitForLines(1);
    const cef = parseLine(event!);
    expect(cef.signatureId).toBe('RELAY_TEST_EVENT');
    expect(cef.extension.msg).toMatch(/Test event from mdca-siem-relay check/);
    assertNoSecrets(r.stdout + r.stderr, 'check output');
  });

  it('names a wrong portal URL', async () => {
    const r = await runCli(['check'], env({ MDCA_PORTAL_URL: `http://127.0.0.1:${closedPort}` }));
    expect(r.code).toBe(1);
    expect(line(r.stdout, 'API URL and token')).toMatch(/^FAIL/);
    expect(r.stdout).toMatch(/fix: the API did not answer: check MDCA_PORTAL_URL/);
  });

  it('names a wrong token, without printing it', async () => {
    const wrong = fakeToken('wrong check token');
    const r = await runCli(['check'], env({ MDCA_TOKEN: wrong }));
    expect(r.code).toBe(1);
    expect(line(r.stdout, 'API URL and token')).toMatch(/^FAIL.*TOKEN_REJECTED/);
    expect(r.stdout).toMatch(/fix: the API rejected the token/);
    assertNoSecrets(r.stdout + r.stderr, 'check output');
  });

  it('names a proxy that is down', async () => {
    const r = await runCli(['check', '--proxy', `127.0.0.1:${closedPort}`], env());
    expect(r.code).toBe(1);
    expect(line(r.stdout, 'proxy')).toMatch(/^FAIL.*invalid proxy address/);
    expect(r.stdout).toMatch(/fix: the proxy cannot be reached/);
  });

  it('names a closed syslog port', async () => {
    const r = await runCli(['check'], env({ SYSLOG_PORT: String(closedPort) }));
    expect(r.code).toBe(1);
    expect(line(r.stdout, 'syslog host')).toMatch(/^FAIL.*ECONNREFUSED/);
    expect(r.stdout).toMatch(/fix: the syslog host did not accept a connection/);
  });

  it('names an unreachable checkpoint table', async () => {
    const hole = net.createServer((s) => s.destroy());
    await new Promise<void>((r) => hole.listen(closedPort, '127.0.0.1', r));
    try {
      const cs = `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${Buffer.from('not-a-real-key').toString('base64')};TableEndpoint=http://127.0.0.1:${closedPort}/devstoreaccount1;`;
      const r = await runCli(['check'], env({ RELAY_CHECKPOINT_STORAGE: cs }));
      expect(r.code).toBe(1);
      expect(line(r.stdout, 'checkpoint store')).toMatch(/^FAIL.*CHECKPOINT_UNAVAILABLE/);
      expect(r.stdout).toMatch(/fix: the checkpoint store cannot be used/);
    } finally {
      hole.close();
    }
  });

  it('names bad settings before anything else', async () => {
    const r = await runCli(['check'], { SYSLOG_HOST: '127.0.0.1' });
    expect(r.code).toBe(1);
    expect(line(r.stdout, 'configuration')).toMatch(/^FAIL/);
    expect(r.stdout).toMatch(/- MDCA_PORTAL_URL: is required/);
    expect(r.stdout).not.toMatch(/API URL and token/);
  });
});
