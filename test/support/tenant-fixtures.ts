// The 50-tenant fixture shared by the CLI (test/tenants/fifty-tenants.test.ts) and Functions
// (test/e2e/fanout.test.ts) fan-out tests: one simulator per tenant, three with a receiver of their own,
// three broken on purpose (a rejected token, a dead receiver, a hostile API).
import { expect } from 'vitest';
import { generateAlerts } from '../../src/simulator/fixtures.js';
import { startSimulator, type Simulator } from '../../src/simulator/server.js';
import { startRsyslog, type Receiver } from './rsyslog.js';

export const TENANTS = 50;
export const ALERTS = 1_000;
export const names = Array.from({ length: TENANTS }, (_, i) => `t${String(i + 1).padStart(2, '0')}`);
export const OWN_RECEIVER = new Set(['t01', 't02', 't03']);
export const REJECTED = 't48';
export const DEAD_RECEIVER = 't49';
export const HOSTILE = 't50';
export const BROKEN = new Set([REJECTED, DEAD_RECEIVER, HOSTILE]);

export interface TenantFixture {
  name: string;
  token: string;
  sim: Simulator;
  ids: Set<string>;
  receiver?: Receiver;
}

export interface TenantFixtureOptions {
  /** Tenant i's alerts are generated with seed `seedBase + i`: distinct bases keep the two tests' ids apart. */
  seedBase: number;
  /** The token tenant `name` is registered with. */
  tokenOf: (name: string) => string;
  /** The token REJECTED's API accepts instead of the one it was registered with. */
  rejectedWants: string;
  /** Called once per tenant before its simulator starts (e.g. to put its token in a vault). */
  onTenant?: (name: string, token: string) => void;
}

/**
 * Starts the tenants one after the other into `tenants` (the caller's afterAll closes them, also after a
 * failure midway) and returns alert id -> the tenant whose API holds it.
 */
export async function startTenantFixtures(tenants: TenantFixture[], opts: TenantFixtureOptions): Promise<Map<string, string>> {
  const owner = new Map<string, string>();
  const now = Date.now();
  for (const [i, name] of names.entries()) {
    const token = opts.tokenOf(name);
    opts.onTenant?.(name, token);
    const alerts = generateAlerts(ALERTS, { seed: opts.seedBase + i, start: now - 86_400_000, end: now - 60_000 });
    const sim = await startSimulator({
      // The rejected tenant's API accepts another token than the one it was registered with.
      tokens: [name === REJECTED ? opts.rejectedWants : token],
      alerts,
      // Hostile: every page holds more records than the limit asked for (issue 13's hostile answers); such a
      // page contradicts itself, is retried, then fails the run.
      faultRule: name === HOSTILE ? () => ({ kind: 'overLimit', extra: 5 }) : undefined,
    });
    const t: TenantFixture = { name, token, sim, ids: new Set(alerts.map((a) => a._id)) };
    tenants.push(t);
    if (OWN_RECEIVER.has(name)) t.receiver = await startRsyslog({ mode: 'tcp-lf', raw: true });
    for (const id of t.ids) {
      // The ids must be distinct across tenants, or "none reaches another's destination" proves nothing.
      expect(owner.has(id), `id ${id} generated for two tenants`).toBe(false);
      owner.set(id, name);
    }
  }
  return owner;
}
