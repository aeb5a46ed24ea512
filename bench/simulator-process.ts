// The API simulator in a process of its own, for the end-to-end benchmark: a real API's CPU is not
// the relay's, so neither the relay nor the bare fetch loop it is compared with shares its event
// loop with the server. Usage: node simulator-process.js N START END (epoch ms); prints the URL.
import { generateAlerts } from '../src/simulator/fixtures.js';
import { startSimulator } from '../src/simulator/server.js';

const [n, start, end] = process.argv.slice(2).map(Number) as [number, number, number];
const sim = await startSimulator({ alerts: generateAlerts(n, { seed: 5, start, end }), rateLimit: false });
process.stdout.write(`${sim.url}\n`);
process.on('SIGTERM', () => void sim.close().then(() => process.exit(0)));
