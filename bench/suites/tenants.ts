// Many tenants in one process at the API limit (issue 17): T tenants, each its own simulated API with the real
// limit (30 requests/min, 100 alerts per request) in a process of its own, relayed by this process exactly as one
// Function instance runs them (one Relay per tenant, all concurrent: runTenants) into one real rsyslog, checkpoints
// in a state directory. Each tenant holds 2,950 alerts: 30 requests, its whole budget for one minute (29 full pages
// and the last, partial one that ends the run), so one pass is one minute's work at the limit for every tenant.
// A second pass with nothing new is a caught-up tick (one request per tenant).
//
// Measured, not assumed: this process's CPU time (process.cpuUsage) and peak RSS (sampled every 50 ms) per pass,
// and every simulator's 429 count (must be 0). Derived (docs/multi-tenant.md, "Scale-out on Flex Consumption"):
// the tenants one core sustains at the limit, and how many a Flex instance serves and N tenants need.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { startRsyslog } from '../rsyslog.js';
import type { BenchSuite, Figure } from '../types.js';
import { createLogger } from '../../src/ops/logger.js';
import { closeTenants, createTenantRelay, runTenants, type TenantRelay } from '../../src/pipeline/tenants.js';
import { resetTenantBuckets } from '../../src/sources/http/rate-bucket.js';

const SUITE = 'tenants';
const TENANTS = 50;
const ALERTS = 2_950;
const LIMIT_PER_MIN = 30;
const ALERTS_PER_REQUEST = 100;
/** host.json: batchSize + newBatchThreshold, the tenant runs one instance takes at once. */
const PER_INSTANCE_CONCURRENCY = 24;
/** Flex Consumption instance sizes and their CPU (learn.microsoft.com, flex-consumption-plan, "Instance memory"). */
const FLEX = [
  { mb: 512, cores: 0.25 },
  { mb: 2048, cores: 1 },
  { mb: 4096, cores: 2 },
];

interface Sims {
  urls: string[];
  stats(): Promise<Array<{ requests: number; provoked429: number }>>;
  close(): Promise<void>;
}

async function startSims(t: number, n: number, start: number, end: number): Promise<Sims> {
  const child = spawn(process.execPath, [path.join(import.meta.dirname, '..', 'tenant-simulators.js'), String(t), String(n), String(start), String(end)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  const lines: Interface = createInterface({ input: child.stdout! });
  const next = () =>
    new Promise<string>((resolve, reject) => {
      lines.once('line', resolve);
      child.once('exit', (code) => reject(new Error(`tenant simulators exited (${code})`)));
    });
  const urls = JSON.parse(await next()) as string[];
  return {
    urls,
    stats: async () => {
      const answer = next();
      child.stdin!.write('stats\n');
      return JSON.parse(await answer) as Array<{ requests: number; provoked429: number }>;
    },
    close: () =>
      new Promise((resolve) => {
        process.off('exit', kill);
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

interface Pass {
  seconds: number;
  cpuSeconds: number;
  peakRssMiB: number;
  sent: number;
  failed: number;
}

async function pass(relays: TenantRelay[]): Promise<Pass> {
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const results = await runTenants(relays, { concurrency: relays.length, logger: createLogger([]) });
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  return {
    seconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    peakRssMiB: peak / 2 ** 20,
    sent: results.reduce((s, r) => s + (r.summary?.sent ?? 0), 0),
    failed: results.filter((r) => r.outcome !== 'success').length,
  };
}

const suite: BenchSuite = {
  name: SUITE,
  async run() {
    resetTenantBuckets();
    const now = Date.now();
    const sims = await startSims(TENANTS, ALERTS, now - 86_400_000, now - 60_000);
    const receiver = await startRsyslog('tcp');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-tenants-'));
    const shared = {
      SYSLOG_HOST: '127.0.0.1',
      SYSLOG_PORT: String(receiver.port),
      // imtcp reads a frame that starts with a digit as octet-counted (the jar's format starts with the date).
      SYSLOG_FRAMING: 'octet-counting',
      RELAY_STATE_DIR: path.join(dir, 'state'),
      HEARTBEAT_INTERVAL: 'PT0S',
    };
    const relays = sims.urls.map((url, i) => createTenantRelay(shared, { name: `t${i + 1}`, settings: { MDCA_PORTAL_URL: url, MDCA_TOKEN: 'sim-token' } }, 'cli'));
    try {
      const baseRss = process.memoryUsage().rss / 2 ** 20;
      const busy = await pass(relays);
      if (busy.failed > 0 || busy.sent !== TENANTS * ALERTS) throw new Error(`tenants bench: ${busy.failed} tenants failed, ${busy.sent} of ${TENANTS * ALERTS} sent`);
      await receiver.waitFor(TENANTS * ALERTS);
      const idle = await pass(relays);
      const stats = await sims.stats();
      const throttled = stats.reduce((s, x) => s + x.provoked429, 0);
      const maxRequests = Math.max(...stats.map((x) => x.requests));

      // One pass = every tenant's budget for one minute. CPU per tenant-minute at the limit, and per caught-up tick.
      const cpuPerTenantMinute = busy.cpuSeconds / TENANTS;
      const cpuPerIdleTick = idle.cpuSeconds / TENANTS;
      const alertsPerTenantMinute = LIMIT_PER_MIN * ALERTS_PER_REQUEST; // 3,000: the API's ceiling per tenant
      const perCore = Math.floor(60 / cpuPerTenantMinute);
      const rssPerTenant = Math.max(0, (busy.peakRssMiB - baseRss) / TENANTS);
      const figures: Figure[] = [
        {
          suite: SUITE,
          name: `${TENANTS} tenants x ${ALERTS.toLocaleString('en-US')} alerts (one minute of API budget each), one process, pass time`,
          value: busy.seconds,
          unit: 's',
          baseline: { name: 'the API window every tenant must stay within', value: 60 },
          note: `${TENANTS} tenants x ${alertsPerTenantMinute.toLocaleString('en-US')} alerts/min at the limit = ${(TENANTS * alertsPerTenantMinute).toLocaleString('en-US')} alerts/min for this process; ${busy.sent.toLocaleString('en-US')} delivered (confirmed TCP into rsyslog) in ${busy.seconds.toFixed(1)} s; 429s from the ${TENANTS} APIs: ${throttled}; most requests by one tenant: ${maxRequests} over both passes`,
        },
        {
          suite: SUITE,
          name: 'CPU per tenant-minute at the API limit (3,000 alerts)',
          value: cpuPerTenantMinute,
          unit: 'CPU s',
          baseline: { name: 'one core for one minute', value: 60 },
          note: `${busy.cpuSeconds.toFixed(1)} CPU s for the pass (${((100 * busy.cpuSeconds) / busy.seconds).toFixed(0)}% of one core while it ran): one core sustains ${perCore} tenants at the limit (${(perCore * alertsPerTenantMinute).toLocaleString('en-US')} alerts/min)`,
        },
        {
          suite: SUITE,
          name: 'CPU per tenant per caught-up tick (one request, nothing new)',
          value: cpuPerIdleTick * 1000,
          unit: 'CPU ms',
          note: `one core: ${Math.floor(60 / cpuPerIdleTick).toLocaleString('en-US')} caught-up tenants per one-minute tick (the pass itself took ${idle.seconds.toFixed(0)} s of wall time, waiting: each tenant had spent its 30 requests in the first pass, so its next one waited for the window, and no API answered 429)`,
        },
        {
          suite: SUITE,
          name: `peak RSS, ${TENANTS} tenants at once`,
          value: busy.peakRssMiB,
          unit: 'MiB',
          baseline: { name: 'before the first pass (relays built)', value: baseRss },
          note: `about ${rssPerTenant.toFixed(1)} MiB per concurrent tenant run; ${PER_INSTANCE_CONCURRENCY} at once (host.json) ~ ${(baseRss + rssPerTenant * PER_INSTANCE_CONCURRENCY).toFixed(0)} MiB of a 512 MB instance`,
        },
      ];
      // Flex: a tenant at the limit holds a slot for its whole run (its budget paces it), so an instance serves the
      // fewest of its slots, its CPU and its memory. The host's own processes have a separate 272 MB (same page).
      const perInstance = FLEX.map((f) => {
        const byCpu = Math.floor((f.cores * 60) / cpuPerTenantMinute);
        const byMemory = Math.floor((f.mb - baseRss) / Math.max(rssPerTenant, 0.1));
        return { ...f, byCpu, byMemory, tenants: Math.min(PER_INSTANCE_CONCURRENCY, byCpu, byMemory) };
      });
      const small = perInstance[0]!;
      const need = (n: number) => Math.ceil(n / small.tenants);
      figures.push(
        {
          suite: SUITE,
          name: 'tenants at the API limit one 512 MB Flex instance serves',
          value: small.tenants,
          unit: 'tenants',
          note: perInstance.map((f) => `${f.mb} MB (${f.cores} vCPU): min(${PER_INSTANCE_CONCURRENCY} slots of host.json, ${f.byCpu} by CPU, ${f.byMemory} by memory) = ${f.tenants}`).join('; ') + `; caught-up tenants: ${Math.floor((small.cores * 60) / cpuPerIdleTick).toLocaleString('en-US')} per tick by CPU at 512 MB`,
        },
        {
          suite: SUITE,
          name: 'Flex instances 1,000 tenants at the API limit need (512 MB)',
          value: need(1000),
          unit: 'instances',
          note: `ceil(N / ${small.tenants}): 50 tenants ${need(50)}, 200 tenants ${need(200)}, 1,000 tenants ${need(1000)}: the maximumInstanceCount for a catch-up of every tenant at once (first deployment, after an outage); caught up, one instance drains a tick of hundreds`,
        },
      );
      return figures;
    } finally {
      await closeTenants(relays);
      await Promise.allSettled([receiver.stop(), sims.close()]);
      await rm(dir, { recursive: true, force: true });
    }
  },
};

export default suite;
