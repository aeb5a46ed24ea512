// End-to-end latency: from an alert becoming visible in the API (simulator) to its event being
// written by the syslog receiver, over many alerts, for the CLI's run loop and for the Function
// handler driven on the same schedule. The bar: p95 <= schedule interval + 10 s.
import { spawn } from 'node:child_process';
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startDemoReceiver, type DemoReceiver } from '../../src/demo/syslog-receiver.js';
import { generateAlerts } from '../../src/simulator/fixtures.js';
import { startSimulator, type Simulator } from '../../src/simulator/server.js';
import { percentile, repo } from '../support.js';
import type { BenchSuite, Figure } from '../types.js';

const TOKEN = 'bench000000000000000000000000000000000000000000000000000000000000';
const SCHEDULE = '*/5 * * * * *'; // every 5 s: a scaled-down minute
const INTERVAL_S = 5;
const SAMPLES = 12;

/** Adds one alert at a random moment, waits for it in the receiver's file; returns the latencies (ms). */
async function measure(sim: Simulator, receiver: DemoReceiver): Promise<number[]> {
  const latencies: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    await new Promise((r) => setTimeout(r, 500 + Math.random() * 2500));
    const [alert] = generateAlerts(1, { seed: 1000 + i + Math.floor(Math.random() * 1e6), timestamp: Date.now() });
    const visible = Date.now();
    sim.addAlerts([alert!]);
    for (;;) {
      if ((await readFile(receiver.file, 'utf8').catch(() => '')).includes(alert!._id)) break;
      if (Date.now() - visible > 60_000) throw new Error('an alert did not arrive within 60 s');
      await new Promise((r) => setTimeout(r, 20));
    }
    latencies.push(Date.now() - visible);
  }
  return latencies;
}

function env(sim: Simulator, receiver: DemoReceiver, dir: string): Record<string, string> {
  return {
    MDCA_PORTAL_URL: sim.url,
    MDCA_TOKEN: TOKEN,
    SYSLOG_HOST: '127.0.0.1',
    SYSLOG_PORT: String(receiver.port),
    RELAY_SCHEDULE: SCHEDULE,
    RELAY_STATE_DIR: path.join(dir, 'state'),
    HEARTBEAT_INTERVAL: 'PT0S',
    RELAY_LOG_LEVEL: 'warn',
  };
}

/** Runs a relay process (the CLI's run loop, or the Function handler on its schedule) against a
 *  fresh simulator and receiver, and measures. */
async function inProcessOfItsOwn(script: string, extraEnv: Record<string, string> = {}, args: string[] = []): Promise<number[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'relay-bench-lat-'));
  const sim = await startSimulator({ tokens: [TOKEN] });
  const receiver = await startDemoReceiver(path.join(dir, 'received.log'));
  const child = spawn(process.execPath, [script, ...args], { env: { PATH: process.env.PATH, NODE_NO_WARNINGS: '1', ...env(sim, receiver, dir), ...extraEnv }, stdio: 'ignore' });
  try {
    await new Promise((r) => setTimeout(r, 1500));
    return await measure(sim, receiver);
  } finally {
    child.kill('SIGTERM');
    await receiver.close();
    await sim.close();
    await rm(dir, { recursive: true, force: true });
  }
}

const cliLoop = () => inProcessOfItsOwn(path.join(repo, 'bin', 'mdca-siem-relay.js'), {}, ['run']);
// The handler driven on the schedule as the Functions host would (bench/function-driver.ts).
const functionSchedule = () => inProcessOfItsOwn(path.join(repo, 'dist', 'bench', 'function-driver.js'), { AzureWebJobsStorage: 'UseDevelopmentStorage=true' });

const suite: BenchSuite = {
  name: 'latency',
  async run(): Promise<Figure[]> {
    const figures: Figure[] = [];
    for (const [label, fn] of [['CLI run loop', cliLoop], ['Function handler on the timer schedule', functionSchedule]] as const) {
      const l = await fn();
      const p95 = percentile(l, 95) / 1000;
      figures.push({ suite: 'latency', name: `${label}: visible -> written, p50`, value: percentile(l, 50) / 1000, unit: 's', note: `${SAMPLES} alerts at random moments, schedule "${SCHEDULE}" (${INTERVAL_S} s)` });
      figures.push({ suite: 'latency', name: `${label}: visible -> written, p95`, value: p95, unit: 's', baseline: { name: 'schedule interval', value: INTERVAL_S }, target: `<= interval + 10 s (${INTERVAL_S + 10} s)`, met: p95 <= INTERVAL_S + 10 });
    }
    return figures;
  },
};
export default suite;
