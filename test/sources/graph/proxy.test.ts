// The Graph client through a real forward proxy (Debian's tinyproxy on loopback), as the legacy
// client: HTTP CONNECT, credentials for the proxy never shown, a dead proxy is INVALID_PROXY.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startGraphSimulator, type GraphSimulator } from '../../../src/simulator/graph/index.js';
import { freePort } from '../../support/ports.js';
import { relayErrorOrNothing } from '../../support/relay-error.js';
import { startTinyproxy, type Tinyproxy } from '../../support/tinyproxy.js';
import { drain, fastClient, READ } from './helpers.js';

let sim: GraphSimulator;
let proxy: Tinyproxy;
let authProxy: Tinyproxy;
beforeAll(async () => {
  sim = await startGraphSimulator({ rateLimit: false });
  sim.generate(120, { seed: 41, start: Date.now() - 2 * 3_600_000, end: Date.now() - 3_600_000 });
  proxy = await startTinyproxy();
  authProxy = await startTinyproxy({ basicAuth: { user: 'relay', password: 'pr0xy-pass' } });
});
afterAll(async () => {
  await Promise.all([sim?.close(), proxy?.stop(), authProxy?.stop()]);
});

describe('graph client through a proxy', () => {
  test('--proxy ADDRESS:PORT: every alert comes through the proxy', async () => {
    const out = await drain(fastClient(sim.url, sim.token, { proxy: `127.0.0.1:${proxy.port}` }), { watermark: Date.now() - 3 * 3_600_000, sent: {} }, { ...READ, pageSize: 50 });
    expect(out.errors).toEqual([]);
    expect(out.records).toHaveLength(120);
    expect(await proxy.log()).toContain(`CONNECT 127.0.0.1:${new URL(sim.url).port}`);
  });

  test('HTTP_PROXY with credentials; wrong credentials or a dead proxy are INVALID_PROXY without the password', async () => {
    expect((await fastClient(sim.url, sim.token, { env: { HTTP_PROXY: authProxy.url } }).first({ filter: 'severity eq \'high\'', top: 5 })).alerts.length).toBeGreaterThan(0);
    const wrong = await relayErrorOrNothing(fastClient(sim.url, sim.token, { proxy: authProxy.url.replace('pr0xy-pass', 'nope-pass') }).first({ filter: 'severity eq \'high\'', top: 5 }));
    expect(wrong?.code).toBe('INVALID_PROXY');
    expect(wrong?.message).not.toContain('nope-pass');
    const dead = await relayErrorOrNothing(fastClient(sim.url, sim.token, { proxy: `http://user:secret-pw@127.0.0.1:${await freePort()}` }).first({ filter: 'severity eq \'high\'', top: 5 }));
    expect(dead?.code).toBe('INVALID_PROXY');
    expect(dead?.message).toMatch(/cannot connect \(ECONNREFUSED\)/);
    expect(dead?.message).not.toContain('secret-pw');
  });
});
