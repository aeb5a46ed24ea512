// `mdca-siem-relay rotate-token` as wired in the CLI: the new token from stdin is verified against the
// API (the simulator) before Key Vault (a local HTTPS Key Vault, real SDK) gets a new version.
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rotateTokenCommand } from '../../src/cli/rotate-token.js';
import { loadConfig } from '../../src/config/load.js';
import type { RelayConfig } from '../../src/config/types.js';
import { startSimulator, type Simulator } from '../../src/simulator/server.js';
import { KeyVaultServer } from '../support/keyvault-server.js';
import { assertNoSecrets, fakeToken } from '../support/secrets.js';

const current = fakeToken('current token');
const accepted = fakeToken('accepted new token');
let sim: Simulator;
let kv: KeyVaultServer;

beforeAll(async () => {
  [sim, kv] = await Promise.all([startSimulator({ tokens: [current, accepted] }), KeyVaultServer.start()]);
  kv.setSecret('mdca-token', current);
});
afterAll(async () => {
  await Promise.all([sim?.close(), kv?.close()]);
});

function config(): RelayConfig {
  const c = loadConfig({ MDCA_PORTAL_URL: sim.url, MDCA_TOKEN_SECRET_URI: 'https://kv-test.vault.azure.net/secrets/mdca-token', SYSLOG_HOST: '127.0.0.1', RELAY_STATE_DIR: '/tmp/unused' }, 'cli');
  // The local Key Vault listens on loopback; the configured URI is swapped for it.
  return { ...c, mdca: { ...c.mdca, auth: { mode: 'token', secretUri: kv.secretUri('mdca-token') } } };
}

async function rotate(input: string): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const code = await rotateTokenCommand(config(), {
    stdin: Readable.from([input]),
    expiresInDays: 30,
    keyVault: { credential: kv.credential, clientOptions: kv.clientOptions(), allowLoopbackVault: true },
    out: (l) => lines.push(l),
  });
  return { code, out: lines.join('\n') };
}

describe('rotate-token', () => {
  it('refuses a token the API rejects and leaves the current version', async () => {
    const r = await rotate(fakeToken('rejected token') + '\n');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/token NOT rotated, the current version is unchanged/);
    expect(kv.current('mdca-token')?.value).toBe(current);
    assertNoSecrets(r.out, 'rotate-token output');
  });

  it('stores a verified token as the new current version with an expiry', async () => {
    const r = await rotate(`${accepted}\n`);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/token rotated: mdca-token .* is now version \w+/);
    expect(kv.current('mdca-token')?.value).toBe(accepted);
    const exp = kv.current('mdca-token')?.exp ?? 0;
    expect(exp * 1000 - Date.now()).toBeGreaterThan(29 * 86_400_000);
    assertNoSecrets(r.out, 'rotate-token output');
  });
});
