// `npm run demo`: the whole path on this machine, no Azure account: the built-in Defender for Cloud
// Apps API simulator (realistic alerts) -> the relay CLI -> CEF -> a local syslog receiver.
// Prints the CEF lines that arrived, then shows a second run sending only what is new.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDemoReceiver } from '../src/demo/syslog-receiver.js';
import { generateAlerts } from '../src/simulator/fixtures.js';
import { startSimulator } from '../src/simulator/server.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const cli = path.join(repo, 'bin', 'mdca-siem-relay.js');
// An obviously fake token: the simulator accepts it, the real service never would.
const DEMO_TOKEN = 'demo0000000000000000000000000000000000000000000000000000000000demo';

function say(text: string): void {
  process.stdout.write(`\n\u001b[1m== ${text}\u001b[0m\n`);
}

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mdca-relay-demo-'));
  const now = Date.now();
  const sim = await startSimulator({ tokens: [DEMO_TOKEN], alerts: generateAlerts(25, { seed: 7, now, start: now - 36 * 3_600_000, end: now - 60_000 }) });
  const receiver = await startDemoReceiver(path.join(dir, 'received.log'));
  const env = {
    ...process.env,
    MDCA_PORTAL_URL: sim.url,
    MDCA_TOKEN: DEMO_TOKEN,
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
    say(`API simulator at ${sim.url} with 25 alerts from the last 36 hours; syslog receiver on 127.0.0.1:${receiver.port}`);
    say('First run: mdca-siem-relay run --once (starts RELAY_INITIAL_LOOKBACK = 2 days back)');
    await relay('run', '--once');
    say(`CEF lines received by the syslog receiver (${receiver.received()}):`);
    process.stdout.write(await readFile(receiver.file, 'utf8'));

    const before = receiver.received();
    sim.addAlerts(generateAlerts(1, { seed: 99, timestamp: Date.now() - 1000 }));
    say('A new alert appears; second run sends only it:');
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
