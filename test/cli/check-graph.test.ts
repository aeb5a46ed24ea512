// `mdca-siem-relay check` with RELAY_SOURCE=graph, as a new user runs it: one $top=1 request proves the
// endpoint, the token and the app role; a 403 names SecurityAlert.Read.All and how to grant it.
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGraphSimulator, type GraphSimulator } from '../../src/simulator/graph/index.js';
import { runCli } from '../support/cli.js';
import { graphRelaySettings } from '../support/graph-lines.js';
import { freePort } from '../support/ports.js';
import { assertNoSecrets, fakeToken } from '../support/secrets.js';
import { startSyslogNg, type Receiver } from '../support/syslog-ng.js';

const token = fakeToken('graph check token');
const withoutRole = fakeToken('graph token without the app role');
let sim: GraphSimulator;
let syslog: Receiver;
let dir: string;
let closedPort: number;

beforeAll(async () => {
  [sim, syslog, closedPort] = await Promise.all([startGraphSimulator({ tokens: [token], forbiddenTokens: [withoutRole] }), startSyslogNg({ mode: 'tcp-lf', raw: true }), freePort()]);
  sim.generate(20, { seed: 4 });
  dir = await mkdtemp(path.join(os.tmpdir(), 'relay-check-graph-'));
});
afterAll(async () => {
  await Promise.all([sim?.close(), syslog?.stop()]);
});

const env = (extra: Record<string, string> = {}) => graphRelaySettings(sim.url, token, syslog.port, { SYSLOG_CONNECT_TIMEOUT: 'PT2S', RELAY_STATE_DIR: path.join(dir, 'state'), ...extra });
const line = (out: string, step: string) => out.split('\n').find((l) => l.includes(` ${step}:`)) ?? `(no line for ${step})`;

describe('mdca-siem-relay check, Graph source', () => {
  it('passes with one $top=1 request, naming the source and the app role', async () => {
    const before = sim.stats.requests;
    const r = await runCli(['check'], env());
    expect(r.stdout).toMatch(/all checks passed/);
    expect(r.code).toBe(0);
    expect(line(r.stdout, 'configuration')).toMatch(/^PASS .*Microsoft Graph alerts_v2 at http:\/\/127\.0\.0\.1:\d+ \(every serviceSource, with updates\)/);
    expect(line(r.stdout, 'Graph access and permission')).toMatch(/^PASS .*SecurityAlert\.Read\.All is granted/);
    expect(line(r.stdout, 'Key Vault secret')).toMatch(/^SKIP .*GRAPH_TOKEN/);
    expect(sim.stats.requests - before).toBe(1);
    assertNoSecrets(r.stdout + r.stderr, 'check output');
  });

  it('a token without the app role: the 403 names SecurityAlert.Read.All and how to grant it', async () => {
    const r = await runCli(['check'], env({ GRAPH_TOKEN: withoutRole }));
    expect(r.code).toBe(1);
    expect(line(r.stdout, 'Graph access and permission')).toMatch(/^FAIL .*PERMISSION_DENIED.*SecurityAlert\.Read\.All/);
    expect(r.stdout).toMatch(/fix: grant the identity the Microsoft Graph application permission SecurityAlert\.Read\.All: .*appRoleAssignment.*docs\/graph\.md/);
    assertNoSecrets(r.stdout + r.stderr, 'check output');
  });

  it('a token Graph does not accept, and an endpoint that does not answer, each with its fix', async () => {
    const rejected = await runCli(['check'], env({ GRAPH_TOKEN: fakeToken('graph token nobody issued') }));
    expect(line(rejected.stdout, 'Graph access and permission')).toMatch(/^FAIL .*TOKEN_REJECTED/);
    expect(rejected.stdout).toMatch(/fix: Microsoft Graph rejected the token/);
    const down = await runCli(['check'], env({ GRAPH_ENDPOINT: `http://127.0.0.1:${closedPort}` }));
    expect(line(down.stdout, 'Graph access and permission')).toMatch(/^FAIL/);
    expect(down.stdout).toMatch(/fix: Microsoft Graph did not answer: check GRAPH_ENDPOINT/);
    assertNoSecrets(rejected.stdout + rejected.stderr + down.stdout + down.stderr, 'check output');
  });

  it('names a missing app credential setting before anything else', async () => {
    const r = await runCli(['check'], env({ GRAPH_TOKEN: '', GRAPH_CLIENT_ID: '6c1f5c8e-2d0b-4a43-9a57-0d6c1e4d2f10' }));
    expect(line(r.stdout, 'configuration')).toMatch(/^FAIL/);
    expect(r.stdout).toMatch(/- GRAPH_CLIENT_SECRET_URI: is required with GRAPH_TENANT_ID \/ GRAPH_CLIENT_ID/);
    expect(r.stdout).not.toMatch(/Graph access and permission/);
  });
});
