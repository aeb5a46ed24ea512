// Through a real forward proxy (Debian's tinyproxy on loopback): the client works via HTTP CONNECT,
// credentials are sent to the proxy, and a bad proxy address is the clear "invalid proxy" error.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { resetTenantBuckets } from '../../../src/sources/http/rate-bucket.js';
import { generateAlerts } from '../../../src/simulator/fixtures.js';
import { startSimulator, type Simulator } from '../../../src/simulator/server.js';
import { freePort } from '../../support/ports.js';
import { relayErrorOrNothing } from '../../support/relay-error.js';
import { startTinyproxy, type Tinyproxy } from '../../support/tinyproxy.js';
import { drain, fastClient } from './helpers.js';

let sim: Simulator;
let proxy: Tinyproxy;
let authProxy: Tinyproxy;
beforeAll(async () => {
  sim = await startSimulator({ alerts: generateAlerts(150, { seed: 31 }), rateLimit: false });
  proxy = await startTinyproxy();
  authProxy = await startTinyproxy({ basicAuth: { user: 'relay', password: 'pr0xy-pass' } });
});
afterAll(async () => {
  await Promise.all([sim?.close(), proxy?.stop(), authProxy?.stop()]);
});
beforeEach(() => resetTenantBuckets());

async function failure(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  const err = await relayErrorOrNothing(p);
  return err ? { code: err.code, message: err.message } : { code: 'none', message: '' };
}

const port = (url: string) => new URL(url).port;

describe('proxy', () => {
  test('--proxy ADDRESS:PORT: every alert comes through the proxy (it logs the CONNECTs)', async () => {
    const client = fastClient(sim.url, { proxy: `127.0.0.1:${proxy.port}` });
    const out = await drain(client, { watermark: Date.now() - 3 * 86_400_000, sent: {} }, {});
    expect(out.ids).toHaveLength(150);
    expect(await proxy.log()).toContain(`CONNECT 127.0.0.1:${port(sim.url)}`);
  });

  test('HTTP_PROXY from the environment with credentials in the URL; NO_PROXY bypasses it', async () => {
    const before = (await authProxy.log()).length;
    const viaEnv = fastClient(sim.url, { env: { HTTP_PROXY: authProxy.url } });
    expect((await viaEnv.list('alerts', { filters: {}, limit: 5 })).page.data).toHaveLength(5);
    expect((await authProxy.log()).slice(before)).toContain('CONNECT');

    const after = (await authProxy.log()).length;
    resetTenantBuckets();
    const bypass = fastClient(sim.url, { env: { HTTP_PROXY: authProxy.url, NO_PROXY: '127.0.0.1' } });
    expect((await bypass.list('alerts', { filters: {}, limit: 5 })).page.data).toHaveLength(5);
    expect((await authProxy.log()).slice(after)).not.toContain('CONNECT');
  });

  test('wrong proxy credentials: "invalid proxy address", the password not shown', async () => {
    const wrong = authProxy.url.replace('pr0xy-pass', 'nope-pass');
    const f = await failure(fastClient(sim.url, { proxy: wrong }).list('alerts', { filters: {}, limit: 5 }));
    expect(f.code).toBe('INVALID_PROXY');
    expect(f.message).toMatch(/^invalid proxy address http:\/\/127\.0\.0\.1:\d+: the proxy refused the connection \(HTTP 40[17]/);
    expect(f.message).not.toContain('nope-pass');
  });

  test('a proxy address nobody listens on, or that does not parse, is "invalid proxy address"', async () => {
    const dead = await freePort();
    const f = await failure(fastClient(sim.url, { proxy: `127.0.0.1:${dead}` }).list('alerts', { filters: {}, limit: 5 }));
    expect(f).toEqual({ code: 'INVALID_PROXY', message: expect.stringMatching(/^invalid proxy address http:\/\/127\.0\.0\.1:\d+: cannot connect \(ECONNREFUSED\)/) });
    expect(() => fastClient(sim.url, { proxy: 'proxy host:80' })).toThrow(/invalid proxy address/);
  });
});
