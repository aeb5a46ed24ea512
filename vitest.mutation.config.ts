// The fast unit tests that `npm run mutation` (stryker.conf.mjs) runs against each mutant: pure policies and
// their example and property tests only, no daemons, so thousands of mutants run in minutes on 2 cores.
import { defineConfig } from 'vitest/config';

export const mutationTests = [
  'test/state/policy.test.ts',
  'test/state/keeper.test.ts',
  'test/sources/mdca/policies.test.ts',
  'test/sources/mdca/retry-and-rate.test.ts',
  'test/sources/mdca/sent-window.test.ts',
  'test/sources/mdca/sent-window.mutation.test.ts',
  'test/sources/mdca/reader-rules.test.ts',
  'test/cef/limits.test.ts',
  'test/cef/golden.test.ts',
  'test/cef/hostile.test.ts',
  'test/cef/options-and-headers.test.ts',
];

export default defineConfig({
  test: {
    include: mutationTests,
    testTimeout: 10_000,
    pool: 'forks',
    setupFiles: ['test/support/redaction-guard.ts'],
  },
});
