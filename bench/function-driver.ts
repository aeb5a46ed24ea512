// Drives the relay Function's handler on its NCRONTAB schedule in a process of its own, as the
// Functions host does (the latency benchmark runs it; settings come from the environment).
import functions, { type Timer } from '@azure/functions';
import { CronExpressionParser } from 'cron-parser';
import { relayTimer } from '../functions/relay.js';
import { FileStateStore } from '../src/state/file-store.js';

const { InvocationContext } = functions;
const stateDir = process.env.RELAY_STATE_DIR ?? '.relay-state';
const schedule = CronExpressionParser.parse(process.env.RELAY_SCHEDULE ?? '0 */1 * * * *', { tz: 'UTC' });
const timer = { isPastDue: false, scheduleStatus: { last: '', next: '', lastUpdated: '' } } as Timer;
let stop = false;
process.once('SIGTERM', () => (stop = true));
while (!stop) {
  const next = schedule.next().getTime();
  while (!stop && Date.now() < next) await new Promise((r) => setTimeout(r, Math.min(200, next - Date.now())));
  if (stop) break;
  const context = new InvocationContext({ invocationId: `bench-${next}`, functionName: 'relay', logHandler: () => undefined });
  // The checkpoint store is a directory here (no Azurite in the benchmark); the table adds a few ms a page.
  await relayTimer(timer, context, { store: new FileStateStore(stateDir, 'bench') }).catch((err: unknown) => process.stderr.write(`${String(err)}\n`));
}
process.exit(0);
