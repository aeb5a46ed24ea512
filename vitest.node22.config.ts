// The Node 22 run (`npm run test:node22`, CI): the whole suite except the slow files listed here.
// Those run once, on Node 20, in `npm test`: the developers' guide runs slow fault loops once, not once
// per Node version. A file belongs here only if it is slow AND what it attacks does not depend on the
// runtime; every stage it drives is also exercised on Node 22 by a faster file (named after each entry).
import { configDefaults, defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.js';

export const runOnceOnNode20 = [
  // The end-to-end fault loops, minutes together: outages held across runs, SIGKILL into a backfill, a
  // hostile API, bursts of 100,000 alerts. What they attack is the relay's own logic over many runs;
  // the same pipeline runs on Node 22 in test/e2e/* and the per-stage files.
  'test/delivery/**',
  // ~115 s: a receiver reading 1 KB/s until a page gets through; the sender on Node 22: sender.test.ts.
  'test/syslog/slow-receiver.test.ts',
  // syslog-ng and rsyslog killed and restarted 10 times each; on Node 22: sender, matrix, tls.test.ts.
  'test/syslog/faults.test.ts',
  // ~12 s: rsyslog imrelp SIGKILLed 10 times in 20,000 events; the RELP sender on Node 22: relp.test.ts.
  'test/syslog/relp-faults.test.ts',
  // Property runs: thousands of generated cases through the same code that the example-based files
  // (test/cef/golden, hostile; test/sources/mdca/reader) run on Node 22. The CEF round trip alone is ~15 s.
  'test/**/*.property.test.ts',
  // ~40 s: 50 tenants, 50 simulators and 4 rsyslogs through one CLI run; the tenant modules on Node 22: test/tenants/registry, isolation.
  'test/tenants/fifty-tenants.test.ts',
  // ~90 s: 50 tenants through the fan-out handlers, Azurite tables and queues, retries to the poison queue; on Node 22:
  // the registrations (test/e2e/function-registrations), the handlers' relay path (test/e2e/function), fanout-budget.
  'test/e2e/fanout.test.ts',
  // ~20 s: Bicep templates compiled and linted by the Bicep CLI (.NET); no relay code runs.
  'test/infra/**',
];

export default mergeConfig(
  base,
  defineConfig({
    test: { exclude: [...configDefaults.exclude, ...runOnceOnNode20] },
  }),
);
