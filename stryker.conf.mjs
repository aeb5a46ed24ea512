// Mutation testing (`npm run mutation`, not part of `npm test`): how much of what the guarantee-carrying
// modules do would a test notice if it changed? Report: reports/mutation/ (HTML) and bench/MUTATION.md.
// Only pure policies with fast tests are mutated: the daemon-backed suites take minutes per run.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts' },
  plugins: ['@stryker-mutator/vitest-runner'],
  mutate: [
    'src/state/policy.ts', // resume rule, status thresholds, lease liveness
    'src/state/keeper.ts', // lease, renewal, commit
    'src/cef/limits/*.ts', // dictionary limits, byte truncation, whole-message cap
    'src/cef/escape.ts', // CEF escaping
    'src/sources/http/retry-policy.ts', // backoff, Retry-After
    'src/sources/http/rate-bucket.ts', // tenant pacing
    'src/sources/mdca/sent-window.ts', // bounded de-duplication state
    'src/sources/mdca/reader.ts', // watermark and paging rules
  ],
  coverageAnalysis: 'perTest',
  concurrency: 2,
  timeoutMS: 5_000,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  thresholds: { high: 90, low: 85, break: 85 },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
