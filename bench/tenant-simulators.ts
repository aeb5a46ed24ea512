// Many tenants' APIs in a process of their own, for the tenants benchmark: T simulators with N alerts each and the
// documented rate limit (30 requests/min per tenant), so the relay process measured shares its CPU with none of them.
// Usage: node tenant-simulators.js T N START END (epoch ms). Prints the URLs as one JSON line; on a line "stats" on
// stdin prints each simulator's {requests, provoked429} as one JSON line.
import { createInterface } from 'node:readline';
import { generateAlerts } from '../src/simulator/fixtures.js';
import { startSimulator, type Simulator } from '../src/simulator/server.js';

const [t, n, start, end] = process.argv.slice(2).map(Number) as [number, number, number, number];
const sims: Simulator[] = [];
for (let i = 0; i < t; i++) sims.push(await startSimulator({ alerts: generateAlerts(n, { seed: 9000 + i, start, end }) }));
process.stdout.write(`${JSON.stringify(sims.map((s) => s.url))}\n`);
createInterface({ input: process.stdin }).on('line', (line) => {
  if (line.trim() === 'stats') process.stdout.write(`${JSON.stringify(sims.map((s) => ({ requests: s.stats.requests, provoked429: s.stats.provoked429 })))}\n`);
});
process.on('SIGTERM', () => void Promise.all(sims.map((s) => s.close())).then(() => process.exit(0)));
