// End-to-end relay throughput on an unlimited simulator: fetch, CEF, confirmed delivery into a real
// rsyslog (TCP: half-close and settle check; RELP: every event acknowledged, by rsyslog's default
// main queue and by the "ack means written" Direct ruleset) and a checkpoint committed per page,
// next to the bare fetch loop over the same
// simulator in the same run (issue 15's ratio). The simulator runs in a process of its own, as a
// real API would. The baseline is a bare loop making the relay's own requests (`date gte` the last
// timestamp read, the ids read at it excluded), so the ratio is what the pipeline costs beyond
// fetching; it runs before and after the relay runs and is averaged, so a machine that gets busier
// or quieter during the suite does not tilt the ratio. The note gives two cheaper loops over the
// same simulator too: it scans from a page's first candidate to the end of the data, so skip
// pages cost O(N) each, watermark pages O(rest), and an `id neq` filter is tested on each of those.
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

/**
 * A bare loop paging by watermark (`date gte` the last timestamp read), nothing else. `exclude`: the
 * records at that timestamp already read are excluded by `id neq`, the requests the relay itself
 * makes (src/sources/mdca/reader.ts); `skip`: they are skipped by count, a cheaper query for this
 * simulator, which tests `id neq` against every record from the watermark to the end.
 */
async function bareWatermarkRate(apiUrl: string, n: number, from: number, ties: 'exclude' | 'skip'): Promise<number> {
  const { default: fetch } = await import('node-fetch');
  const t0 = performance.now();
  let gte = from;
  let tie: string[] = []; // ids read at `gte`
  for (let read = 0; read < n; ) {
    const filters = ties === 'exclude' && tie.length > 0 ? { date: { gte }, id: { neq: tie } } : { date: { gte } };
    const skip = ties === 'skip' ? tie.length : 0;
    const res = await fetch(`${apiUrl}/api/v1/alerts/`, { method: 'POST', headers: { authorization: 'Token sim-token' }, body: JSON.stringify({ filters, sortField: 'date', sortDirection: 'asc', skip, limit: 100 }) });
    const page = (await res.json()) as { data: Array<{ _id: string; timestamp: number }> };
    if (page.data.length === 0) throw new Error(`bare watermark loop: no data after ${read} of ${n}`);
    for (const r of page.data) {
      if (r.timestamp === gte) tie.push(r._id);
      else {
        gte = r.timestamp;
        tie = [r._id];
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

async function relayRun(protocol: 'tcp' | 'relp', apiUrl: string, n: number, ackMeansWritten = false): Promise<RelayRun> {
  resetTenantBuckets();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-relay-'));
  const receiver = await startRsyslog(protocol, ackMeansWritten);
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
  /** The relay's own requests, before and after the relay runs. */
  same: [number, number];
  /** Watermark paging with ties skipped by count. */
  skipTies: number;
  /** support.ts's skip-paging loop (the read figures' baseline). */
  skip: number;
}

function figure(protocol: string, run: RelayRun, b: Baselines): Figure {
  const bare = (b.same[0] + b.same[1]) / 2;
  const x = (v: number) => `${(run.rate / v).toFixed(2)}x`;
  return {
    suite: SUITE,
    name: `relay end to end, ${N.toLocaleString('en-US')} alerts, confirmed ${protocol}, checkpoint per page`,
    value: run.rate,
    unit: 'alerts/s',
    baseline: { name: 'bare fetch loop making the relay\'s requests, same simulator', value: bare },
    target: '>= 0.8x the bare fetch loop (issue 15)',
    met: run.rate >= 0.8 * bare,
    note:
      `${x(bare)}; per page ${run.msPerPage.toFixed(1)} ms; bare loop ${Math.round(b.same[0])} before, ${Math.round(b.same[1])} after the relay runs (mean). ` +
      `Other bare loops: ties skipped by count instead of excluded by id ${Math.round(b.skipTies)} alerts/s (${x(b.skipTies)}: this simulator's \`id neq\` costs it ~40% per page), ` +
      `skip paging ${Math.round(b.skip)} alerts/s (${x(b.skip)})`,
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
      const skipTies = await bareWatermarkRate(sim.url, N, from, 'skip');
      const before = await bareWatermarkRate(sim.url, N, from, 'exclude');
      const tcp = await relayRun('tcp', sim.url, N);
      const relp = await relayRun('relp', sim.url, N);
      const written = await relayRun('relp', sim.url, N, true);
      const after = await bareWatermarkRate(sim.url, N, from, 'exclude');
      const b: Baselines = { same: [before, after], skipTies, skip };
      return [
        figure('TCP into rsyslog (default queue)', tcp, b),
        figure('RELP into rsyslog (default queue: ack means enqueued)', relp, b),
        figure('RELP into rsyslog (Direct ruleset: ack means written)', written, b),
      ];
    } finally {
      await sim.close();
    }
  },
};
export default suite;
