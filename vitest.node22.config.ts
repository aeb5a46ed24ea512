// The Node 22 run (`npm run test:node22`, CI): the whole suite except the slow files listed here.
// Those run once, on Node 20, in `npm test`: the developers' guide runs slow fault loops once, not once
// per Node version. A file belongs here only if it is slow AND what it attacks does not depend on the
// runtime; every stage it drives is also exercised on Node 22 by a faster file (named after each entry).
import { configDefaults, defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.js';

export const runOnceOnNode20 = [
  // ~40 s: a syslog outage held across runs until the status degrades (relay logic and timers);
  // the pipeline on Node 22: test/e2e/*.
  'test/delivery/resilience.test.ts',
  // SIGKILL 20 times into a backfill (checkpoint logic); the CLI on Node 22: test/e2e/cli.test.ts.
  'test/delivery/crash.test.ts',
  // syslog-ng and rsyslog killed and restarted 10 times each; the sender on Node 22:
  // test/syslog/sender.test.ts, matrix.test.ts, tls.test.ts.
  'test/syslog/faults.test.ts',
  // ~15 s of generated alerts through pure string formatting; test/cef/golden.test.ts, hostile.test.ts.
  'test/cef/roundtrip.property.test.ts',
  // ~20 s: Bicep templates compiled and linted by the Bicep CLI (.NET); no relay code runs.
  'test/infra/**',
];

export default mergeConfig(
  base,
  defineConfig({
    test: { exclude: [...configDefaults.exclude, ...runOnceOnNode20] },
  }),
);
