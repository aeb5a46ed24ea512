// A burst of 100,000 alerts inside one overlap window, read through the real reader with every
// cursor written to a real Table (Azurite): the de-duplication state stays within one entity at any
// burst size (issue 13, item 3), and every alert is read exactly once. Slow (a minute): runs once in CI.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMdcaClient } from '../../src/sources/mdca/client.js';
import { resetTenantBuckets } from '../../src/sources/http/rate-bucket.js';
import { readBatches } from '../../src/sources/mdca/reader.js';
import { generateAlerts } from '../../src/simulator/fixtures.js';
import { startSimulator } from '../../src/simulator/server.js';
import { TableStateStore } from '../../src/state/table-store.js';
import { startAzurite, type Azurite } from '../support/azurite.js';
import { staticToken } from '../sources/mdca/helpers.js';
import { fakeToken } from '../support/secrets.js';

const MIN = 60_000;
const token = fakeToken('burst token');
let azurite: Azurite;

beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(async () => {
  await azurite?.stop();
});

describe('a burst of 100,000', () => {
  it('100,000 alerts in one window: every checkpoint written during the read fits one Table entity, every alert read once', async () => {
    const local = await startSimulator({ tokens: [token], rateLimit: false });
    try {
      const now = Date.now();
      const alerts = generateAlerts(100_000, { seed: 34, start: now - 15 * MIN, end: now - 1000 });
      local.addAlerts(alerts);
      resetTenantBuckets();
      const client = createMdcaClient({ portalUrl: local.url, tokenProvider: staticToken(token), requestsPerMinute: 60_000, env: {} });
      const store = new TableStateStore({ tableName: 'burst100k', relayName: 'burst100k', connectionString: azurite.connectionString });
      let etag: string | undefined;
      let largest = 0;
      const seen = new Set<string>();
      let repeats = 0;
      for await (const batch of readBatches(client, { watermark: now - 2 * 86_400_000, sent: {} }, { dataType: 'alerts', filters: {}, overlapMs: 15 * MIN })) {
        for (const r of batch.records) {
          if (seen.has(r._id)) repeats++;
          else seen.add(r._id);
        }
        largest = Math.max(largest, JSON.stringify(batch.cursor).length);
        etag = await store.writeCheckpoint('alerts', { cursor: batch.cursor, deliveredTotal: seen.size, updatedAt: Date.now() }, etag);
      }
      expect(seen.size).toBe(100_000);
      expect(repeats).toBe(0);
      expect(largest).toBeLessThan(64_000);
    } finally {
      await local.close();
    }
  }, 180_000);
});

