import { defineConfig } from 'vitest/config';

// Tests start real daemons (syslog-ng, rsyslog, Azurite, tinyproxy): give them time, and keep
// files in separate workers so each suite owns its ports and processes.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    setupFiles: ['test/support/redaction-guard.ts'],
  },
});
