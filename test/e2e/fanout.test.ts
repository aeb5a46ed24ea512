// The multi-tenant fan-out on Functions, driven by its handlers on real parts: the tenant registry in Azurite's
// table, the `tenantDispatch` timer handler enqueueing into Azurite's queue, and the host's queue trigger
// (test/support/queue-host.ts: batchSize/newBatchThreshold concurrency, retries, the poison queue) invoking the
// `tenantRun` handler per message. 50 tenants, each its own simulator (API, token, 1,000 alerts, 30 requests/min),
// its token in a local Key Vault (the table never holds one), three with a receiver of their own and the rest on a
// shared rsyslog told apart by the tenant key. Three are broken on purpose: a rejected token, a dead receiver, a
// hostile API. The other 47 must finish on the first tick, the three go to the poison queue and show in the status.
import { InvocationContext, type HttpRequest, type Timer } from '@azure/functions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetTenantRunner, tenantDispatchTimer, tenantRunHandler } from '../../functions/tenants.js';
import { statusHandler } from '../../functions/status.js';
import { hostQueueSettings } from '../../src/ops/function-host.js';
import type { RelayOverrides } from '../../src/pipeline/relay.js';
import type { TenantStatusRow } from '../../src/pipeline/status-view.js';
import { createTokenProvider } from '../../src/secrets/provider.js';
import { generateAlerts } from '../../src/simulator/fixtures.js';
import { startSimulator, type Simulator } from '../../src/simulator/server.js';
import { TableStateStore } from '../../src/state/table-store.js';
import { tenantRelayName } from '../../src/tenants/config.js';
import { TENANT_QUEUE, tenantQueue } from '../../src/tenants/queue.js';
import { tableRegistry, type Tenant } from '../../src/tenants/registry.js';
import { startAzurite, type Azurite } from '../support/azurite.js';
import { externalIdOf } from '../support/external-ids.js';
import { KeyVaultServer } from '../support/keyvault-server.js';
import { freePort } from '../support/ports.js';
import { drainQueue, poisonMessages, type Invocation } from '../support/queue-host.js';
import { startRsyslog, type Receiver } from '../support/rsyslog.js';
import { assertNoSecretsInTable } from '../support/secret-scan.js';
import { assertNoSecrets, fakeToken, recordForGuard } from '../support/secrets.js';
import { ALERTS, BROKEN, DEAD_RECEIVER, HOSTILE, names, OWN_RECEIVER, REJECTED, startTenantFixtures, TENANTS, type TenantFixture } from '../support/tenant-fixtures.js';

/** What each broken tenant fails with (an HTML page with HTTP 200 is retried, then the API counts as unavailable). */
const EXPECTED_ERROR: Record<string, RegExp> = { [REJECTED]: /TOKEN_REJECTED/, [DEAD_RECEIVER]: /SYSLOG_UNREACHABLE/, [HOSTILE]: /API_(UNAVAILABLE|BAD_RESPONSE)/ };
/** A 51st tenant whose first run is held open, to send it a second message meanwhile. */
const BUSY = 'busy';
/** The token REJECTED's API accepts (its vault holds another until the test rotates it). */
const WANTED = fakeToken('the token the rejected tenant\'s API wants');
const TABLE = 'relaycheckpoints';
const host = hostQueueSettings();
const timer = { isPastDue: false, scheduleStatus: { last: '', next: '', lastUpdated: '' } } as Timer;

const tenants: TenantFixture[] = [];
let owner: Map<string, string>;
let azurite: Azurite;
let kv: KeyVaultServer;
let shared: Receiver;
let busySim: Simulator;
let busyIds: string[] = [];
let releaseBusy: () => void = () => undefined;
const logs: string[] = [];
const saved = { ...process.env };

function tenantKey(line: string): string | undefined {
  return /flexString1Label=tenant flexString1=([A-Za-z0-9_-]+)$/.exec(line)?.[1];
}

function log(line: string): void {
  logs.push(line);
  recordForGuard(`${line}\n`);
}

function context(functionName: string): InvocationContext {
  return new InvocationContext({ invocationId: `${functionName}-${Date.now()}`, functionName, logHandler: (_l, ...args) => log(args.map(String).join(' ')) });
}

/** Each tenant's token comes from the local Key Vault through the real SecretClient; BUSY's first API call waits for the test. */
let busyGate: Promise<void> = Promise.resolve();
const overrides = (tenant: Tenant): RelayOverrides => {
  const tokenOptions = { secretUri: kv.secretUri(`token-${tenant.name}`), credential: kv.credential, secretClientOptions: kv.clientOptions(), allowLoopbackVault: true };
  if (tenant.name !== BUSY) return { tokenOptions };
  const real = createTokenProvider({ auth: 'token', ...tokenOptions });
  let first = true;
  return {
    tokens: {
      authorization: async () => {
        if (first) {
          first = false;
          await busyGate; // the lease is already taken: the run holds it until the test lets it go on
        }
        return real.authorization();
      },
      refresh: () => real.refresh(),
      secrets: () => real.secrets(),
    },
  };
};

const handler = (body: unknown, ctx: InvocationContext) => tenantRunHandler(body, ctx, overrides);
const drain = (h = handler) =>
  drainQueue({
    connectionString: azurite.connectionString,
    queueName: TENANT_QUEUE,
    handler: h,
    batchSize: host.batchSize,
    newBatchThreshold: host.newBatchThreshold,
    maxDequeueCount: host.maxDequeueCount,
    // host.json waits visibilityTimeout (30 s) before a retry; one second here keeps the test short.
    retryAfterSeconds: 1,
    onLog: log,
  });
const tenantOf = (i: Invocation) => (i.body as { tenant: string }).tenant;
const status = async (query = ''): Promise<{ status: number; body: unknown }> => {
  const res = await statusHandler({ query: new URLSearchParams(query) } as unknown as HttpRequest, context('status'));
  assertNoSecrets(JSON.stringify(res.jsonBody), 'status');
  return { status: res.status ?? 200, body: res.jsonBody };
};

let first: { invocations: Invocation[]; maxConcurrent: number };

beforeAll(async () => {
  [azurite, kv, shared] = await Promise.all([startAzurite({ queues: true }), KeyVaultServer.start(), startRsyslog({ mode: 'tcp-lf', raw: true })]);
  process.env = {
    ...saved,
    RELAY_MULTI_TENANT: 'true',
    AzureWebJobsStorage: azurite.connectionString,
    SYSLOG_HOST: '127.0.0.1',
    SYSLOG_PORT: String(shared.port),
    // arcsight lines start with the timestamp's digits, which imtcp would take for an octet count.
    SYSLOG_FRAMING: 'octet-counting',
    SYSLOG_CONNECT_TIMEOUT: 'PT2S',
    SYSLOG_WRITE_TIMEOUT: 'PT5S',
  };
  const registry = tableRegistry({ kind: 'table', tableName: TABLE, connectionString: azurite.connectionString });
  owner = await startTenantFixtures(tenants, {
    seedBase: 5000,
    tokenOf: (name) => fakeToken(`fan-out tenant ${name} token`),
    rejectedWants: WANTED,
    onTenant: (name, token) => kv.setSecret(`token-${name}`, token),
  });
  // Taken after every listener of this test is up: a port freed earlier could be handed to one of them (an HTTP
  // server that answers syslog with a close would look like a receiver).
  const deadPort = await freePort();
  for (const t of tenants) {
    await registry.add({
      name: t.name,
      settings: {
        MDCA_PORTAL_URL: t.sim.url,
        // A vault URI the settings accept; the test's overrides point the real SecretClient at the local vault.
        MDCA_TOKEN_SECRET_URI: `https://kvfanout.vault.azure.net/secrets/token-${t.name}`,
        ...(t.receiver ? { SYSLOG_HOST: t.receiver.host, SYSLOG_PORT: String(t.receiver.port) } : {}),
        ...(t.name === DEAD_RECEIVER ? { SYSLOG_PORT: String(deadPort) } : {}),
      },
    });
  }
  await registry.add({ name: 'off', disabled: true, settings: { MDCA_PORTAL_URL: 'https://off.portal.cloudappsecurity.com', MDCA_TOKEN_SECRET_URI: 'https://kvfanout.vault.azure.net/secrets/token-off' } });
  await resetTenantRunner();

  // One tick: the timer handler enqueues, the host drains.
  await tenantDispatchTimer(timer, context('tenantDispatch'));
  first = await drain();
}, 600_000);

afterAll(async () => {
  process.env = saved;
  await resetTenantRunner();
  if (azurite) expect(await assertNoSecretsInTable(azurite.connectionString, TABLE)).toBeGreaterThan(0);
  await Promise.allSettled([shared?.stop(), azurite?.stop(), kv?.close(), busySim?.close(), ...tenants.flatMap((t) => [t.sim.close(), t.receiver?.stop()])]);
});

describe('the fan-out Functions, 50 tenants on one tick', () => {
  it('enqueues one message per enabled tenant and none for a disabled one', () => {
    expect(logs).toContain(`tenant dispatch enqueued=${TENANTS} disabled=1 queue=${TENANT_QUEUE}`);
    expect(new Set(first.invocations.map(tenantOf))).toEqual(new Set(names));
    // The host's concurrency, not one at a time and not all at once.
    expect(first.maxConcurrent).toBeGreaterThan(1);
    expect(first.maxConcurrent).toBeLessThanOrEqual(host.batchSize + host.newBatchThreshold);
  });

  it('runs the 47 healthy tenants once each, on their first attempt, each sending its 1,000 alerts', () => {
    for (const t of tenants.filter((x) => !BROKEN.has(x.name))) {
      const runs = first.invocations.filter((i) => tenantOf(i) === t.name);
      expect(runs.map((i) => [i.ok, i.dequeueCount]), t.name).toEqual([[true, 1]]);
      expect(runs[0]!.logs.join('\n'), t.name).toMatch(new RegExp(`relay success sent=${ALERTS} .* tenant=${t.name}`));
    }
  });

  it('retries each broken tenant maxDequeueCount times, then moves its message to the poison queue', async () => {
    for (const name of BROKEN) {
      const runs = first.invocations.filter((i) => tenantOf(i) === name);
      expect(runs.map((i) => [i.ok, i.dequeueCount, i.poisoned]), name).toEqual(Array.from({ length: host.maxDequeueCount }, (_, k) => [false, k + 1, k + 1 === host.maxDequeueCount]));
    }
    for (const [name, code] of Object.entries(EXPECTED_ERROR)) {
      for (const i of first.invocations.filter((x) => tenantOf(x) === name)) expect(i.error, name).toMatch(new RegExp(`^tenant "${name}" run failure: ${code.source}`));
    }
    expect((await poisonMessages(azurite.connectionString, TENANT_QUEUE)).map((m) => (m as { tenant: string }).tenant).sort()).toEqual([...BROKEN].sort());
  });

  it('delivers every alert of the 47 exactly once, to its own tenant\'s destination only', async () => {
    const expectedShared = tenants.filter((t) => !t.receiver && !BROKEN.has(t.name)).length * ALERTS;
    const destinations: Array<[string | undefined, Receiver]> = [[undefined, shared], ...tenants.filter((t) => t.receiver).map((t) => [t.name, t.receiver!] as [string, Receiver])];
    const seen = new Map<string, number>();
    for (const [own, receiver] of destinations) {
      const alertsThere = (ls: string[]) => ls.filter((l) => externalIdOf(l) !== undefined).length >= (own ? ALERTS : expectedShared);
      for (const line of await receiver.waitFor(alertsThere)) {
        const key = tenantKey(line);
        expect(key, line.slice(0, 200)).toBeDefined();
        if (own) expect(key).toBe(own);
        else expect(OWN_RECEIVER.has(key!), `${key} reached the shared receiver`).toBe(false);
        const id = externalIdOf(line);
        if (id === undefined) continue; // heartbeat
        expect(owner.get(id), `line tagged ${key} carries another tenant's alert`).toBe(key);
        seen.set(id, (seen.get(id) ?? 0) + 1);
      }
    }
    for (const t of tenants) {
      const got = [...t.ids].map((id) => seen.get(id) ?? 0);
      if (BROKEN.has(t.name)) expect(got.every((n) => n === 0), t.name).toBe(true);
      else expect(got.filter((n) => n !== 1).length, `${t.name}: alerts not delivered exactly once`).toBe(0);
    }
  });

  it('keeps every tenant within its own request budget: no 429 from any tenant\'s API', async () => {
    for (const t of tenants) expect(t.sim.stats.provoked429, t.name).toBe(0);
    // A healthy tenant's one run fits one window; a broken one's retries spread over minutes (the limiter paces them).
    for (const t of tenants.filter((x) => !BROKEN.has(x.name))) expect(t.sim.stats.requests, t.name).toBeLessThanOrEqual(30);
    // The budget's state is in the tenant's status record, for its next run on whichever instance takes it.
    const t = tenants[3]!;
    const record = await new TableStateStore({ connectionString: azurite.connectionString, tableName: TABLE, relayName: tenantRelayName(t.name) }).readStatus();
    expect(record?.recentRequests).toHaveLength(t.sim.stats.requests);
  });

  it('shows every tenant in the status (state, lag, last error, poisoned) and one tenant with ?tenant=', async () => {
    const all = (await status()).body as { mode: string; tenants: TenantStatusRow[]; poisonQueue: { messages: number } };
    expect(all.mode).toBe('multi-tenant');
    expect(all.tenants.map((r) => r.tenant)).toEqual([...names, 'off'].sort());
    expect(all.poisonQueue.messages).toBe(BROKEN.size);
    for (const r of all.tenants) {
      if (r.tenant === 'off') expect(r.state).toBe('disabled');
      else if (!BROKEN.has(r.tenant)) {
        expect([r.tenant, r.state, r.lastError, r.poisoned]).toEqual([r.tenant, 'Connected', undefined, undefined]);
        expect(r.lagSeconds, r.tenant).toBeTypeOf('number');
      }
    }
    for (const [name, code] of Object.entries(EXPECTED_ERROR)) {
      const one = await status(`tenant=${name}`);
      expect(one.status, name).toBe(200);
      const row = one.body as TenantStatusRow;
      expect(row.tenant).toBe(name);
      expect(row.lastError?.code, name).toMatch(new RegExp(`^${code.source}$`));
      expect(row.poisoned, name).toMatchObject({ attempts: host.maxDequeueCount, code: row.lastError?.code });
      expect(row.view?.lagSeconds, name).toBeDefined();
    }
    expect((await status('tenant=nobody')).status).toBe(404);
  });

  it('keeps every tenant\'s token out of every log line (the guard checks each one)', () => {
    assertNoSecrets(logs.join('\n'), 'Function logs');
    for (const name of BROKEN) expect(logs.some((l) => l.includes(`"tenant":"${name}"`)), name).toBe(true);
  });
});

describe('a second tick', () => {
  it('runs each healthy tenant again with nothing new to send, and drops a message older than the last success', async () => {
    // The broken three switched off (`tenants disable`): the tick skips them.
    const registry = tableRegistry({ kind: 'table', tableName: TABLE, connectionString: azurite.connectionString });
    for (const name of BROKEN) expect(await registry.setDisabled(name, true)).toBe(true);
    logs.length = 0;
    await tenantDispatchTimer(timer, context('tenantDispatch'));
    expect(logs).toContain(`tenant dispatch enqueued=${TENANTS - BROKEN.size} disabled=${BROKEN.size + 1} queue=${TENANT_QUEUE}`);
    const second = await drain();
    for (const t of tenants.filter((x) => !BROKEN.has(x.name))) {
      const runs = second.invocations.filter((i) => tenantOf(i) === t.name);
      expect(runs.map((i) => i.ok), t.name).toEqual([true]);
      expect(runs[0]!.logs.join('\n'), t.name).toMatch(/relay success sent=0 /);
    }
    // A message from before the last success (a queue that backed up): its work is done, it is dropped unrun.
    const before = tenants[3]!.sim.stats.requests;
    await tenantQueue(process.env).send([{ tenant: tenants[3]!.name, enqueuedAt: Date.now() - 3_600_000 }], 60);
    const stale = await drain();
    expect(stale.invocations.map((i) => [i.ok, i.logs.join(' ')])).toEqual([[true, `tenant ${tenants[3]!.name}: dropped (stale)`]]);
    expect(tenants[3]!.sim.stats.requests).toBe(before);
  }, 180_000);
});

describe('a poisoned tenant, fixed', () => {
  it('succeeds on its next message once its token is rotated in Key Vault, and its poison mark clears', async () => {
    const registry = tableRegistry({ kind: 'table', tableName: TABLE, connectionString: azurite.connectionString });
    kv.setSecret(`token-${REJECTED}`, WANTED); // a new version: the provider re-reads it after the next 401
    expect(await registry.setDisabled(REJECTED, false)).toBe(true);
    expect(((await status(`tenant=${REJECTED}`)).body as TenantStatusRow).poisoned).toBeDefined();
    await tenantQueue(process.env).send([{ tenant: REJECTED, enqueuedAt: Date.now() }], 60);
    const fixed = await drain();
    expect(fixed.invocations.map((i) => [i.ok, i.dequeueCount])).toEqual([[true, 1]]);
    expect(fixed.invocations[0]!.logs.join('\n')).toMatch(new RegExp(`relay success sent=${ALERTS} .* tenant=${REJECTED}`));
    const row = (await status(`tenant=${REJECTED}`)).body as TenantStatusRow;
    expect([row.state, row.poisoned]).toEqual(['Connected', undefined]);
    expect(tenants.find((t) => t.name === REJECTED)!.sim.stats.provoked429).toBe(0);
  }, 120_000);
});

describe('a message for a tenant whose run is still going', () => {
  it('is dropped without running: the lease stops the second run before it reads, and every alert arrives once', async () => {
    const token = fakeToken('busy tenant token');
    kv.setSecret(`token-${BUSY}`, token);
    const alerts = generateAlerts(500, { seed: 777, start: Date.now() - 3_600_000, end: Date.now() - 60_000 });
    busyIds = alerts.map((a) => a._id);
    busySim = await startSimulator({ tokens: [token], alerts });
    const registry = tableRegistry({ kind: 'table', tableName: TABLE, connectionString: azurite.connectionString });
    await registry.add({ name: BUSY, settings: { MDCA_PORTAL_URL: busySim.url, MDCA_TOKEN_SECRET_URI: `https://kvfanout.vault.azure.net/secrets/token-${BUSY}` } });
    busyGate = new Promise<void>((resolve) => (releaseBusy = resolve));
    const already = (await shared.lines()).length;

    // Two messages for the same tenant, taken in the same batch: the first to reach the API holds its lease and
    // waits; the other completes (it must: the first cannot finish before the gate opens), then the gate opens.
    await tenantQueue(process.env).send([{ tenant: BUSY, enqueuedAt: Date.now() }, { tenant: BUSY, enqueuedAt: Date.now() }], 60);
    const both = await drain(async (body, ctx) => {
      try {
        await handler(body, ctx);
      } finally {
        releaseBusy();
      }
    });
    expect(both.invocations.map((i) => i.ok)).toEqual([true, true]);
    expect(both.invocations[0]!.logs).toContain(`tenant ${BUSY}: dropped (running)`);
    expect(both.invocations[1]!.logs.join('\n')).toMatch(new RegExp(`relay success sent=${alerts.length} .* tenant=${BUSY}`));

    const lines = (await shared.waitFor((ls) => ls.slice(already).filter((l) => tenantKey(l) === BUSY && externalIdOf(l)).length >= alerts.length)).slice(already);
    const ids = lines.filter((l) => tenantKey(l) === BUSY).map(externalIdOf).filter((id): id is string => id !== undefined);
    expect(ids.sort()).toEqual([...busyIds].sort());
  }, 120_000);
});
