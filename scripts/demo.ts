// `npm run demo`: the whole path on this machine, no Azure account: the built-in Defender for Cloud
// Apps API simulator (realistic alerts) -> the relay CLI -> CEF -> a local syslog receiver.
// Prints the CEF lines that arrived, then shows a second run sending only what is new.
// `npm run demo -- --source graph`: the same with the Microsoft Graph alerts_v2 simulator (alerts from six
// Defender products; the second run shows a new alert and a SOC's late update to an old one).
import { execFile } from 'node:child_process';
import { parseArgs, promisify } from 'node:util';
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDemoReceiver } from '../src/demo/syslog-receiver.js';
import { generateAlerts } from '../src/simulator/fixtures.js';
import { startSimulator } from '../src/simulator/server.js';
import { startGraphSimulator } from '../src/simulator/graph/index.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const cli = path.join(repo, 'bin', 'mdca-siem-relay.js');
// An obviously fake token: the simulator accepts it, the real service never would.
const DEMO_TOKEN = 'demo0000000000000000000000000000000000000000000000000000000000demo';

function say(text: string): void {
  process.stdout.write(`\n\u001b[1m== ${text}\u001b[0m\n`);
}

/** The demo's source: the simulator, the relay settings that point at it, and the "something new" step. */
interface DemoSource {
  url: string;
  banner: string;
  env: Record<string, string>;
  addNew(): string;
  close(): Promise<void>;
}

async function mdcaSource(now: number): Promise<DemoSource> {
  const sim = await startSimulator({ tokens: [DEMO_TOKEN], alerts: generateAlerts(25, { seed: 7, now, start: now - 36 * 3_600_000, end: now - 60_000 }) });
  return {
    url: sim.url,
    banner: `API simulator at ${sim.url} with 25 alerts from the last 36 hours`,
    env: { MDCA_PORTAL_URL: sim.url, MDCA_TOKEN: DEMO_TOKEN },
    addNew: () => {
      sim.addAlerts(generateAlerts(1, { seed: 99, timestamp: Date.now() - 1000 }));
      return 'A new alert appears; second run sends only it:';
    },
    close: () => sim.close(),
  };
}

async function graphSource(now: number): Promise<DemoSource> {
  const sim = await startGraphSimulator({ tokens: [DEMO_TOKEN] });
  const alerts = sim.generate(24, { seed: 7, now, start: now - 36 * 3_600_000, end: now - 60_000 });
  return {
    url: sim.url,
    banner: `Graph alerts_v2 simulator at ${sim.url} with 24 alerts from six Defender products over the last 36 hours`,
    // The simulator shows an alert the instant it changes: no settle margin, so the second run sees the new ones.
    env: { RELAY_SOURCE: 'graph', GRAPH_ENDPOINT: sim.url, GRAPH_TOKEN: DEMO_TOKEN, GRAPH_SERVICE_SOURCES: 'all', GRAPH_SETTLE_MARGIN: 'PT0S' },
    addNew: () => {
      sim.generate(1, { seed: 99, start: Date.now(), end: Date.now(), serviceSources: ['microsoftDefenderForEndpoint'] });
      sim.updateAlerts([alerts[0]!.id], { status: 'resolved', classification: 'truePositive', determination: 'malware', assignedTo: 'soc@contoso.com' });
      return 'A new alert appears and the SOC resolves an old one; second run sends only these:';
    },
    close: () => sim.close(),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { source: { type: 'string', default: 'mdca' } } });
  if (values.source !== 'mdca' && values.source !== 'graph') throw new Error(`--source must be mdca or graph, got: ${values.source}`);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mdca-relay-demo-'));
  const now = Date.now();
  const sim = values.source === 'graph' ? await graphSource(now) : await mdcaSource(now);
  const receiver = await startDemoReceiver(path.join(dir, 'received.log'));
  const env = {
    ...process.env,
    ...sim.env,
    SYSLOG_HOST: '127.0.0.1',
    SYSLOG_PORT: String(receiver.port),
    SYSLOG_PROTOCOL: 'tcp',
    SIEM_FORMAT: process.env.SIEM_FORMAT ?? 'arcsight',
    RELAY_STATE_DIR: path.join(dir, 'state'),
    HEARTBEAT_INTERVAL: 'PT0S',
    RELAY_LOG_LEVEL: 'warn',
  };
  // Asynchronous: the simulator and the receiver answer from this very process.
  const relay = async (...args: string[]) => {
    try {
      const r = await promisify(execFile)(process.execPath, [cli, ...args], { env, encoding: 'utf8' });
      process.stdout.write(r.stdout);
      process.stderr.write(r.stderr);
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; code?: number };
      process.stdout.write(e.stdout ?? '');
      process.stderr.write(e.stderr ?? '');
      throw new Error(`mdca-siem-relay ${args.join(' ')} exited with ${e.code}`, { cause: err });
    }
  };
  try {
    say(`${sim.banner}; syslog receiver on 127.0.0.1:${receiver.port}`);
    say('First run: mdca-siem-relay run --once (starts RELAY_INITIAL_LOOKBACK = 2 days back)');
    await relay('run', '--once');
    say(`CEF lines received by the syslog receiver (${receiver.received()}):`);
    process.stdout.write(await readFile(receiver.file, 'utf8'));

    const before = receiver.received();
    say(sim.addNew());
    await relay('run', '--once');
    const lines = (await readFile(receiver.file, 'utf8')).trimEnd().split('\n');
    process.stdout.write(lines.slice(before).join('\n') + '\n');
    say('mdca-siem-relay status');
    await relay('status');
    say(`Done. State in ${env.RELAY_STATE_DIR}; received events in ${receiver.file}`);
  } finally {
    await receiver.close();
    await sim.close();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
