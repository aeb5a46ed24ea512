// End-to-end relay throughput on an unlimited simulator: fetch, CEF, confirmed TCP delivery and a
// checkpoint committed per page, next to the bare fetch loop over the same simulator in the same run
// (issue 15's ratio; the read-ahead in src/pipeline/read-ahead.ts overlaps fetching with delivery).
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { bareFetchRate } from '../support.js';
import type { BenchSuite, Figure } from '../types.js';
import { loadConfig } from '../../src/config/load.js';
import { startDemoReceiver } from '../../src/demo/syslog-receiver.js';
import { resetTenantBuckets } from '../../src/sources/http/rate-bucket.js';
import { createLogger } from '../../src/ops/logger.js';
import { createRelay } from '../../src/pipeline/relay.js';
import { generateAlerts } from '../../src/simulator/fixtures.js';
import { startSimulator } from '../../src/simulator/server.js';

const SUITE = 'relay';

async function endToEnd(n: number): Promise<Figure> {
  resetTenantBuckets();
  const now = Date.now();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-relay-'));
  const sim = await startSimulator({ alerts: generateAlerts(n, { seed: 5, start: now - 86_400_000, end: now - 1000 }), rateLimit: false });
  const receiver = await startDemoReceiver(path.join(dir, 'received.log'));
  try {
    const config = loadConfig(
      {
        MDCA_PORTAL_URL: sim.url,
        MDCA_TOKEN: 'sim-token',
        MDCA_REQUESTS_PER_MINUTE: '6000',
        SYSLOG_HOST: '127.0.0.1',
        SYSLOG_PORT: String(receiver.port),
        RELAY_STATE_DIR: path.join(dir, 'state'),
        HEARTBEAT_INTERVAL: 'PT0S',
      },
      'cli',
    );
    const relay = createRelay(config);
    const t0 = performance.now();
    const summary = await relay.run({ logger: createLogger([]) });
    const seconds = (performance.now() - t0) / 1000;
    await relay.close();
    if (summary.sent !== n) throw new Error(`relay bench: sent ${summary.sent} of ${n} (${summary.error?.message ?? 'no error'})`);

    const bare = await bareFetchRate(sim.url, n, now - 2 * 86_400_000);
    const ours = n / seconds;
    return {
      suite: SUITE,
      name: `relay end to end, ${n.toLocaleString('en-US')} alerts, confirmed TCP, checkpoint per page`,
      value: ours,
      unit: 'alerts/s',
      baseline: { name: 'bare fetch loop, same simulator', value: bare },
      target: '>= 0.8x the bare fetch loop (issue 15)',
      met: ours >= 0.8 * bare,
      note: `${(ours / bare).toFixed(2)}x; per page ${((seconds * 1000) / (n / 100)).toFixed(1)} ms`,
    };
  } finally {
    await receiver.close();
    await sim.close();
    await rm(dir, { recursive: true, force: true });
  }
}

const suite: BenchSuite = {
  name: SUITE,
  async run() {
    return [await endToEnd(20_000)];
  },
};
export default suite;
