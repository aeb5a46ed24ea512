// Contract test of the Function app's registrations: the built bundle (package.json `main`, what Azure
// loads) is imported the way the Node.js worker imports it, and what each entry registers is asserted:
// trigger type, schedule, route, methods, auth level and bindings.
//
// Why a stand-in: @azure/functions 4.x registers through `require('@azure/functions-core')`, a module the
// Azure Functions Node.js worker injects at run time; the worker is not published on npm, so no test can
// load the real one. The stand-in below implements the two calls that registration makes
// (`setProgrammingModel`, `registerFunction`) and records their arguments, which are exactly what the
// worker forwards to the host. An independent check against the real worker agreed with this contract.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

// Runs in a child process (so the bundle's module state is fresh and the hook touches nothing else).
const LOADER = `
import Module from 'node:module';
import { pathToFileURL } from 'node:url';
const registered = [];
let model;
const core = {
  setProgrammingModel(m) { model = { name: m.name, version: m.version }; },
  registerFunction(metadata, handler) { registered.push({ metadata, handler: typeof handler }); return { dispose() {} }; },
  log() {},
};
const load = Module._load;
Module._load = function (request, ...rest) { return request === '@azure/functions-core' ? core : load.call(this, request, ...rest); };
for (const f of process.argv.slice(2)) await import(pathToFileURL(f).href);
process.stdout.write(JSON.stringify({ model, registered }));
`;

interface Binding {
  type: string;
  name: string;
  direction: 'in' | 'out';
  [k: string]: unknown;
}
interface Registration {
  metadata: { name: string; bindings: Record<string, Binding> };
  handler: string;
}

let dir: string;
let loader: string;

/** The entry files package.json `main` names (a glob over dist/app). */
function entries(): string[] {
  const main = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).main as string;
  expect(main).toBe('dist/app/*.js');
  const appDir = path.join(ROOT, 'dist/app');
  if (!existsSync(appDir)) throw new Error('dist/app is missing: run `npm run build` first (npm test does)');
  return readdirSync(appDir)
    .filter((f) => f.endsWith('.js'))
    .sort()
    .map((f) => path.join(appDir, f));
}

function register(files: string[], env: Record<string, string | undefined> = {}): Promise<{ model: { name: string; version: string }; registered: Registration[] }> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete childEnv[k];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [loader, ...files], { cwd: ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (err += d.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`loading the bundle failed (${code}): ${err.slice(-2000)}`));
      resolve(JSON.parse(out));
    });
  });
}

/** A registration without the generated binding names (a hash of the options), trigger first. */
function shape(r: Registration) {
  const bindings = Object.entries(r.metadata.bindings).map(([key, b]) => {
    const { name: _name, properties: _p, ...rest } = b;
    return { key: key === '$return' ? '$return' : b.type, ...rest };
  });
  return { name: r.metadata.name, handler: r.handler, bindings };
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'relay-fn-contract-'));
  loader = path.join(dir, 'loader.mjs');
  await writeFile(loader, LOADER);
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('Function registrations in the built bundle', () => {
  it('single tenant (the default): the timer, the status endpoint and the Key Vault event handler, exactly; the fan-out entry registers nothing', async () => {
    const files = entries();
    expect(files.map((f) => path.basename(f))).toEqual(['keyvault-events.js', 'relay.js', 'status.js', 'tenants.js']);
    const { model, registered } = await register(files, { RELAY_SCHEDULE: undefined, RELAY_MULTI_TENANT: undefined });
    expect(model.name).toBe('@azure/functions');
    expect(model.version).toMatch(/^4\./);
    expect(registered.map(shape)).toEqual([
      {
        name: 'keyVaultTokenExpiry',
        handler: 'function',
        bindings: [{ key: 'eventGridTrigger', type: 'eventGridTrigger', direction: 'in' }],
      },
      {
        name: 'relay',
        handler: 'function',
        // The original agent's poll interval; never run on start-up (a deployment is not a tick).
        bindings: [{ key: 'timerTrigger', type: 'timerTrigger', direction: 'in', schedule: '0 */1 * * * *', runOnStartup: false, useMonitor: true }],
      },
      {
        name: 'status',
        handler: 'function',
        bindings: [
          // A function key is required: the status shows tenant names and error text.
          { key: 'httpTrigger', type: 'httpTrigger', direction: 'in', methods: ['GET'], authLevel: 'function', route: 'status' },
          { key: '$return', type: 'http', direction: 'out' },
        ],
      },
    ]);
    // The binding names the worker forwards are unique per function, and each function has one trigger.
    for (const r of registered) {
      const triggers = Object.values(r.metadata.bindings).filter((b) => /Trigger$/.test(b.type));
      expect(triggers, r.metadata.name).toHaveLength(1);
      for (const [key, b] of Object.entries(r.metadata.bindings)) if (key !== '$return') expect(b.name).toBe(key);
    }
  });

  it('multi-tenant mode: the dispatcher timer and the tenant queue trigger replace the relay timer; status and Key Vault events stay', async () => {
    const { registered } = await register(entries(), { RELAY_SCHEDULE: '0 */2 * * * *', RELAY_MULTI_TENANT: 'true' });
    const byName = Object.fromEntries(registered.map((r) => [r.metadata.name, shape(r)]));
    expect(Object.keys(byName)).toEqual(['keyVaultTokenExpiry', 'status', 'tenantDispatch', 'tenantRun']);
    expect(byName.tenantDispatch).toEqual({
      name: 'tenantDispatch',
      handler: 'function',
      // The same schedule as the single relay: one message per tenant per tick.
      bindings: [{ key: 'timerTrigger', type: 'timerTrigger', direction: 'in', schedule: '0 */2 * * * *', runOnStartup: false, useMonitor: true }],
    });
    expect(byName.tenantRun).toEqual({
      name: 'tenantRun',
      handler: 'function',
      // The queue infra/ creates (names.tenantQueue), through the host's identity-based storage connection.
      bindings: [{ key: 'queueTrigger', type: 'queueTrigger', direction: 'in', queueName: 'relay-tenants', connection: 'AzureWebJobsStorage' }],
    });
    // Status and Key Vault events register exactly as in single-tenant mode.
    const single = await register(entries(), { RELAY_SCHEDULE: '0 */2 * * * *', RELAY_MULTI_TENANT: undefined });
    for (const name of ['keyVaultTokenExpiry', 'status']) expect(byName[name]).toEqual(shape(single.registered.find((r) => r.metadata.name === name)!));
  });

  it('a refused RELAY_MULTI_TENANT value keeps the single relay timer (each tick then fails naming the setting)', async () => {
    const { registered } = await register(entries(), { RELAY_MULTI_TENANT: 'yes' });
    expect(registered.map((r) => r.metadata.name)).toEqual(['keyVaultTokenExpiry', 'relay', 'status']);
  });

  it('the timer takes RELAY_SCHEDULE, and keeps indexing with the default when the value is refused', async () => {
    const relay = entries().filter((f) => path.basename(f) === 'relay.js');
    const scheduleOf = async (value: string) => {
      const { registered } = await register(relay, { RELAY_SCHEDULE: value });
      expect(registered.map((r) => r.metadata.name)).toEqual(['relay']);
      return Object.values(registered[0]!.metadata.bindings)[0]!.schedule;
    };
    expect(await scheduleOf('0 */5 * * * *')).toBe('0 */5 * * * *');
    // Refused values do not stop the app from indexing (each tick then fails naming the setting).
    expect(await scheduleOf('*/5 * * * *')).toBe('0 */1 * * * *');
  });
});
