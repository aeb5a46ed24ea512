// End-to-end relay throughput on an unlimited simulator: fetch, CEF, confirmed delivery into a real
// rsyslog (TCP: half-close and settle check; RELP: every event acknowledged, into a ruleset whose
// ack means written) and a checkpoint committed per page, next to the bare fetch loop over the same
// simulator in the same run (issue 15's ratio). The simulator runs in a process of its own, as a
// real API would. Two bare loops: support.ts's skip-paging one (the baseline of the read figures),
// and one paging as the relay does (`date gte` the last timestamp read). The simulator scans from
// a page's first candidate to the end of the data, so skip pages cost O(N) each and watermark
// pages O(rest): at 100,000 alerts the skip loop is the slower one, and the ratio is taken against
// the faster. The watermark loop runs before and after the relay runs and is averaged, so a
// machine that gets busier or quieter during the suite does not tilt the ratio.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { startRsyslog } from '../rsyslog.js';
import { bareFetchRate } from '../support.js';
import type { BenchSuite, Figure } from '../types.js';
import { loadConfig } from '../../src/config/load.js';
import { resetTenantBuckets } from '../../src/sources/http/rate-bucket.js';
import { createLogger } from '../../src/ops/logger.js';
import { createRelay } from '../../src/pipeline/relay.js';

const SUITE = 'relay';
const N = 100_000;

interface SimProcess {
  url: string;
  close(): Promise<void>;
}

async function startSimulatorProcess(n: number, start: number, end: number): Promise<SimProcess> {
  const child = spawn(process.execPath, [path.join(import.meta.dirname, '..', 'simulator-process.js'), String(n), String(start), String(end)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`simulator process exited (${code})`)));
  });
  return {
    url,
    close: () =>
      new Promise((resolve) => {
        process.off('exit', kill);
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** The relay's paging with nothing else: `date gte` the last timestamp read, ties skipped by count. */
async function bareWatermarkRate(apiUrl: string, n: number, from: number): Promise<number> {
  const { default: fetch } = await import('node-fetch');
  const t0 = performance.now();
  let gte = from;
  let tie = 0; // records at `gte` already read
  for (let read = 0; read < n; ) {
    const res = await fetch(`${apiUrl}/api/v1/alerts/`, { method: 'POST', headers: { authorization: 'Token sim-token' }, body: JSON.stringify({ filters: { date: { gte } }, sortField: 'date', sortDirection: 'asc', skip: tie, limit: 100 }) });
    const page = (await res.json()) as { data: Array<{ timestamp: number }> };
    if (page.data.length === 0) throw new Error(`bare watermark loop: no data after ${read} of ${n}`);
    for (const r of page.data) {
      if (r.timestamp === gte) tie++;
      else {
        gte = r.timestamp;
        tie = 1;
      }
    }
    read += page.data.length;
  }
  return n / ((performance.now() - t0) / 1000);
}

interface RelayRun {
  rate: number;
  msPerPage: number;
}

async function relayRun(protocol: 'tcp' | 'relp', apiUrl: string, n: number): Promise<RelayRun> {
  resetTenantBuckets();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-relay-'));
  const receiver = await startRsyslog(protocol);
  try {
    const config = loadConfig(
      {
        MDCA_PORTAL_URL: apiUrl,
        MDCA_TOKEN: 'sim-token',
        MDCA_REQUESTS_PER_MINUTE: '6000',
        SYSLOG_HOST: '127.0.0.1',
        SYSLOG_PORT: String(receiver.port),
        SYSLOG_PROTOCOL: protocol,
        // imtcp reads a frame that starts with a digit as octet-counted (the jar's format starts with the date).
        ...(protocol === 'tcp' ? { SYSLOG_FRAMING: 'octet-counting' } : {}),
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
    if (summary.sent !== n) throw new Error(`relay bench (${protocol}): sent ${summary.sent} of ${n} (${summary.error?.message ?? 'no error'})`);
    await receiver.waitFor(n); // every line arrived (not timed: the relay's figure ends at its last commit)
    return { rate: n / seconds, msPerPage: (seconds * 1000) / (n / 100) };
  } finally {
    await receiver.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

interface Baselines {
  skip: number;
  watermark: number[];
}

function figure(protocol: string, run: RelayRun, b: Baselines): Figure {
  const watermark = (b.watermark[0]! + b.watermark[1]!) / 2;
  const bare = Math.max(b.skip, watermark);
  return {
    suite: SUITE,
    name: `relay end to end, ${N.toLocaleString('en-US')} alerts, confirmed ${protocol} into rsyslog, checkpoint per page`,
    value: run.rate,
    unit: 'alerts/s',
    baseline: { name: 'faster bare fetch loop, same simulator', value: bare },
    target: '>= 0.8x the bare fetch loop (issue 15)',
    met: run.rate >= 0.8 * bare,
    note:
      `${(run.rate / bare).toFixed(2)}x; per page ${run.msPerPage.toFixed(1)} ms; bare loops: watermark paging ${Math.round(b.watermark[0]!)} before, ` +
      `${Math.round(b.watermark[1]!)} after the relay runs (mean ${Math.round(watermark)}), skip paging ${Math.round(b.skip)} alerts/s`,
  };
}

const suite: BenchSuite = {
  name: SUITE,
  async run() {
    const now = Date.now();
    const sim = await startSimulatorProcess(N, now - 86_400_000, now - 1000);
    try {
      const from = now - 2 * 86_400_000;
      const skip = await bareFetchRate(sim.url, N, from);
      const before = await bareWatermarkRate(sim.url, N, from);
      const tcp = await relayRun('tcp', sim.url, N);
      const relp = await relayRun('relp', sim.url, N);
      const after = await bareWatermarkRate(sim.url, N, from);
      const b = { skip, watermark: [before, after] };
      return [figure('TCP', tcp, b), figure('RELP', relp, b)];
    } finally {
      await sim.close();
    }
  },
};
export default suite;
