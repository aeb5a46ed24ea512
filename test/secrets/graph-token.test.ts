// App-only Microsoft Graph tokens with the real SDKs: an app registration's client secret or PEM certificate read
// from a local HTTPS Key Vault, exchanged at a local HTTPS Entra token endpoint by the real ClientSecretCredential /
// ClientCertificateCredential; rotation without a restart; failures that say what to fix and carry no secret.
import { randomBytes, randomUUID } from 'node:crypto';
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/identity';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startDemoReceiver } from '../../src/demo/syslog-receiver.js';
import { loadConfig } from '../../src/config/load.js';
import { createRelay } from '../../src/pipeline/relay.js';
import { startGraphSimulator } from '../../src/simulator/graph/index.js';
import { guardedLogger } from '../support/guard-sink.js';
import { graphRelaySettings } from '../support/graph-lines.js';
import type { GraphAuthConfig } from '../../src/config/types.js';
import { createLogger, secretRedactor } from '../../src/ops/logger.js';
import { createGraphTokenProvider, type GraphTokenProviderOptions } from '../../src/secrets/graph-token.js';
import { EntraServer, rsaCertificate } from '../support/entra-server.js';
import { KeyVaultServer } from '../support/keyvault-server.js';
import { expectRelayError } from '../support/relay-error.js';
import { assertNoSecrets, fakeToken, registerSecret } from '../support/secrets.js';

const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';
let kv: KeyVaultServer;
let entra: EntraServer;
let app: { tenantId: string; clientId: string };
let secretName = '';

beforeAll(async () => {
  [kv, entra] = await Promise.all([KeyVaultServer.start(), EntraServer.start()]);
});
afterAll(async () => {
  await Promise.all([kv?.close(), entra?.close()]);
});
beforeEach(() => {
  kv.clearFaults();
  app = { tenantId: randomUUID(), clientId: randomUUID() };
  secretName = `graph-app-${randomBytes(4).toString('hex')}`;
  // Shorter than MSAL's 5-minute renewal offset: every token request reaches the endpoint (no MSAL cache hit).
  entra.expiresIn = 60;
});

const newSecret = (label = 'Graph client secret') => registerSecret(`${randomBytes(6).toString('hex')}~${randomBytes(24).toString('base64url')}`, label);

function provider(auth: Partial<GraphAuthConfig> & { mode: 'client-secret' | 'client-certificate' }, extra: Partial<GraphTokenProviderOptions> = {}) {
  const uri = kv.secretUri(secretName);
  const full: GraphAuthConfig = auth.mode === 'client-secret' ? { mode: 'client-secret', ...app, secretUri: uri } : { mode: 'client-certificate', ...app, certificateUri: uri };
  return createGraphTokenProvider({
    auth: full,
    scope: GRAPH_SCOPE,
    authorityHost: entra.url,
    credential: kv.credential,
    secretClientOptions: kv.clientOptions(),
    allowLoopbackVault: true,
    appCredentialOptions: { tlsOptions: { ca: entra.ca } },
    ...extra,
  });
}

const requestsOf = (clientId = app.clientId) => entra.requests.filter((r) => r.clientId === clientId);
const bearer = (header: string) => header.replace(/^Bearer /, '');
const vaultReads = () => kv.requests.filter((r) => r.authorized && r.method === 'GET' && r.path.replace(/\/$/, '') === `/secrets/${secretName}`).length;

describe('Graph tokens for an app registration, its secret in Key Vault', () => {
  test('reads the secret through the Key Vault challenge and gets a token for the Graph scope from the configured authority', async () => {
    const secret = newSecret();
    kv.setSecret(secretName, secret);
    entra.register({ ...app, secrets: [secret] });
    const p = provider({ mode: 'client-secret' });
    const header = await p.authorization();
    expect(header).toMatch(/^Bearer eyJ/);
    expect(entra.holder(bearer(header))).toMatchObject({ clientId: app.clientId, scope: GRAPH_SCOPE });
    expect(requestsOf()).toEqual([expect.objectContaining({ tenantId: app.tenantId, scope: GRAPH_SCOPE, by: 'secret', status: 200 })]);
    expect(vaultReads()).toBe(1);
    expect(p.secrets()).toEqual(expect.arrayContaining([secret, bearer(header)]));
  });

  test('a rotated secret is used without a restart: Entra refuses the old one, the new version is read and used', async () => {
    const first = newSecret('first client secret');
    kv.setSecret(secretName, first);
    entra.register({ ...app, secrets: [first] });
    // A long cache: only the refusal can make the provider read Key Vault again.
    const p = provider({ mode: 'client-secret' }, { cacheTtlMs: 3_600_000 });
    const before = await p.authorization();
    const second = newSecret('second client secret');
    kv.setSecret(secretName, second);
    entra.register({ ...app, secrets: [second] }); // the old secret is removed from the app registration
    const after = await p.authorization();
    expect(after).not.toBe(before);
    expect(entra.holder(bearer(after))?.clientId).toBe(app.clientId);
    expect(requestsOf().map((r) => r.error ?? r.status)).toEqual([200, 'AADSTS7000215', 200]);
    expect(p.secrets()).toEqual(expect.arrayContaining([first, second]));
  });

  test('a new version is picked up after the cache time even while the old secret still works', async () => {
    let now = Date.now();
    const first = newSecret();
    kv.setSecret(secretName, first);
    const second = newSecret();
    entra.register({ ...app, secrets: [first, second] });
    const p = provider({ mode: 'client-secret' }, { cacheTtlMs: 60_000, now: () => now });
    await p.authorization();
    kv.setSecret(secretName, second);
    now += 60_001 + 3_600_000; // past the secret cache and the token's renewal time
    await p.authorization();
    expect(vaultReads()).toBe(2);
    expect(p.secrets()).toContain(second);
  });

  test('a secret Entra refuses is SECRET_UNAVAILABLE naming the AADSTS code and the permission, without the secret', async () => {
    const secret = newSecret();
    kv.setSecret(secretName, secret);
    entra.register({ ...app, secrets: [newSecret('the secret Entra expects')] });
    const err = await expectRelayError(provider({ mode: 'client-secret' }).authorization(), 'SECRET_UNAVAILABLE');
    expect(err.message).toMatch(/Microsoft Graph/);
    expect(err.message).toMatch(/AADSTS7000215/);
    expect(err.message).toMatch(/SecurityAlert\.Read\.All/);
    assertNoSecrets(`${err.message}\n${String(err.cause)}`, 'refused-secret error');
  });

  test('Key Vault refusing the identity names the role and the setting; a missing secret names GRAPH_CLIENT_SECRET_URI', async () => {
    kv.setSecret(secretName, newSecret());
    kv.failNext(403, 1, 'GET');
    const denied = await expectRelayError(provider({ mode: 'client-secret' }).authorization(), 'SECRET_UNAVAILABLE');
    expect(denied.message).toMatch(/Key Vault Secrets User/);
    secretName = 'graph-app-missing';
    const missing = await expectRelayError(provider({ mode: 'client-secret' }).authorization(), 'SECRET_UNAVAILABLE');
    expect(missing.message).toMatch(/not found \(404\): check GRAPH_CLIENT_SECRET_URI/);
    expect(requestsOf()).toEqual([]);
  });
});

describe('Graph tokens for an app registration, its certificate (PEM) in Key Vault', () => {
  test('signs a client assertion with the certificate the PEM holds', async () => {
    const cert = await rsaCertificate();
    kv.setSecret(secretName, cert.pem, { contentType: 'application/x-pem-file' });
    entra.register({ ...app, secrets: [], certificate: cert.cert });
    const p = provider({ mode: 'client-certificate' });
    const header = await p.authorization();
    expect(entra.holder(bearer(header))?.clientId).toBe(app.clientId);
    expect(requestsOf()).toEqual([expect.objectContaining({ by: 'assertion', status: 200, scope: GRAPH_SCOPE })]);
    expect(p.secrets()).toContain(cert.pem.trim());
  });

  test('a certificate Entra does not know is refused with the AADSTS code; a PEM without its key is refused before Entra is asked', async () => {
    const registered = await rsaCertificate('registered');
    const other = await rsaCertificate('other');
    kv.setSecret(secretName, other.pem);
    entra.register({ ...app, secrets: [], certificate: registered.cert });
    const refused = await expectRelayError(provider({ mode: 'client-certificate' }).authorization(), 'SECRET_UNAVAILABLE');
    expect(refused.message).toMatch(/AADSTS700027/);
    assertNoSecrets(`${refused.message}\n${String(refused.cause)}`);

    secretName = `${secretName}-certonly`;
    kv.setSecret(secretName, registered.cert);
    const before = requestsOf().length;
    const unusable = await expectRelayError(provider({ mode: 'client-certificate' }).authorization(), 'SECRET_UNAVAILABLE');
    expect(unusable.message).toMatch(/GRAPH_CLIENT_CERTIFICATE_URI\) is not a usable credential: .*private key and the certificate/);
    expect(requestsOf().length).toBe(before);
  });
});

/** The managed identity: cannot be had locally, so a credential that records the scope it is asked for. */
class RecordingIdentity implements TokenCredential {
  scopes: string[] = [];
  getToken(scopes: string | string[], _options?: GetTokenOptions): Promise<AccessToken> {
    this.scopes.push(...(Array.isArray(scopes) ? scopes : [scopes]));
    return Promise.resolve({ token: fakeToken('managed identity token'), expiresOnTimestamp: Date.now() + 3_600_000 });
  }
}

describe('Graph tokens from the configuration', () => {
  const base = { RELAY_SOURCE: 'graph', SYSLOG_HOST: '127.0.0.1', RELAY_STATE_DIR: '/tmp/graph-token-test' };

  test.each([
    ['https://graph.microsoft.com', 'https://graph.microsoft.com/.default'],
    ['https://graph.microsoft.us', 'https://graph.microsoft.us/.default'],
    ['https://dod-graph.microsoft.us', 'https://dod-graph.microsoft.us/.default'],
    ['https://microsoftgraph.chinacloudapi.cn', 'https://microsoftgraph.chinacloudapi.cn/.default'],
  ])('the managed identity is asked for the scope of %s', async (endpoint, scope) => {
    const graph = loadConfig({ ...base, GRAPH_ENDPOINT: endpoint }, 'cli').graph!;
    const identity = new RecordingIdentity();
    const p = createGraphTokenProvider({ auth: graph.auth, scope: graph.scope, authorityHost: graph.authorityHost, credential: identity });
    expect(await p.authorization()).toMatch(/^Bearer /);
    expect(identity.scopes).toEqual([scope]);
  });

  test('GRAPH_TOKEN is sent as a bearer token (a pasted "Bearer " prefix is dropped) and redacted from logs', async () => {
    const token = fakeToken('GRAPH_TOKEN');
    const graph = loadConfig({ ...base, GRAPH_TOKEN: `Bearer ${token}` }, 'cli').graph!;
    const p = createGraphTokenProvider({ auth: graph.auth, scope: graph.scope, authorityHost: graph.authorityHost });
    expect(await p.authorization()).toBe(`Bearer ${token}`);
    const lines: string[] = [];
    createLogger([(_l, line) => lines.push(line)], { redact: secretRedactor(() => p.secrets()) }).error('graph.failed', { detail: `the request carried ${token}` });
    expect(lines.join('\n')).toContain('[REDACTED]');
    assertNoSecrets(lines.join('\n'), 'log line');
  });

  test('a client secret that reaches a log line is redacted once read', async () => {
    const secret = newSecret();
    kv.setSecret(secretName, secret);
    entra.register({ ...app, secrets: [secret] });
    const p = provider({ mode: 'client-secret' });
    await p.authorization();
    const lines: string[] = [];
    createLogger([(_l, line) => lines.push(line)], { redact: secretRedactor(() => p.secrets()) }).warn('x', { body: `client_id=${app.clientId}&secret=${encodeURIComponent(secret)}` });
    assertNoSecrets(lines.join('\n'), 'log line');
  });
});

describe('the relay reading Graph with an app registration\'s secret from Key Vault', () => {
  test('alerts flow with a token from the secret; after a rotation the next run uses the new secret, no restart', async () => {
    const graphToken = fakeToken('Graph access token for the simulator');
    const sim = await startGraphSimulator({ tokens: [graphToken], rateLimit: false });
    const dir = await mkdtemp(path.join(os.tmpdir(), 'graph-app-relay-'));
    const receiver = await startDemoReceiver(path.join(dir, 'received.log'));
    // The local authority issues the token the simulator accepts, to this app only.
    entra.tokenFor = (clientId) => (clientId === app.clientId ? graphToken : fakeToken('token of another app'));
    try {
      sim.generate(30, { seed: 8, start: Date.now() - 3_600_000, end: Date.now() - 60_000 });
      const first = newSecret('first relay client secret');
      kv.setSecret(secretName, first);
      entra.register({ ...app, secrets: [first] });
      const settings = graphRelaySettings(sim.url, '', receiver.port, { GRAPH_TOKEN: '', GRAPH_TENANT_ID: app.tenantId, GRAPH_CLIENT_ID: app.clientId, GRAPH_CLIENT_SECRET_URI: 'https://kv-relay.vault.azure.net/secrets/graph-app', GRAPH_AUTHORITY_HOST: entra.url, RELAY_STATE_DIR: path.join(dir, 'state') });
      const config = loadConfig(settings, 'cli');
      // The settings take only Key Vault hosts; the local vault stands in for the one they name.
      config.graph!.auth = { ...(config.graph!.auth as Extract<GraphAuthConfig, { mode: 'client-secret' }>), secretUri: kv.secretUri(secretName) };
      const relay = createRelay(config, { graphTokenOptions: { credential: kv.credential, secretClientOptions: kv.clientOptions(), allowLoopbackVault: true, appCredentialOptions: { tlsOptions: { ca: entra.ca } } } });
      const logger = guardedLogger({ level: 'debug' });
      expect((await relay.run({ logger })).sent).toBe(30);

      const second = newSecret('second relay client secret');
      kv.setSecret(secretName, second);
      entra.register({ ...app, secrets: [second] });
      sim.generate(5, { seed: 9, start: Date.now(), end: Date.now() });
      const after = await relay.run({ logger });
      expect([after.outcome, after.sent]).toEqual(['success', 5]);
      expect(requestsOf().map((r) => r.error ?? r.status)).toEqual([200, 'AADSTS7000215', 200]);
      expect(relay.tokens.secrets()).toEqual(expect.arrayContaining([first, second, graphToken]));
      await relay.close();
      const received = await readFile(path.join(dir, 'received.log'), 'utf8');
      expect(received.trim().split('\n')).toHaveLength(35);
      assertNoSecrets(received, 'received CEF');
    } finally {
      entra.tokenFor = undefined;
      await Promise.all([sim.close(), receiver.close()]);
    }
  });
});
