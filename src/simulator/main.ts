// Command-line entry of the simulator: `node dist/src/simulator/main.js [--alerts N] [--activities N] [--port P] [--token T]`.
import { parseArgs } from 'node:util';
import { generateActivities, generateAlerts } from './fixtures.js';
import { startSimulator } from './server.js';

const { values } = parseArgs({
  options: {
    alerts: { type: 'string', default: '20' },
    activities: { type: 'string', default: '0' },
    port: { type: 'string', default: '0' },
    token: { type: 'string', default: 'sim-token' },
    'no-rate-limit': { type: 'boolean', default: false },
  },
});

const sim = await startSimulator({
  port: Number(values.port),
  tokens: [values.token],
  rateLimit: values['no-rate-limit'] ? false : undefined,
  includeSeedAlerts: true,
  alerts: generateAlerts(Number(values.alerts), { seed: 1 }),
  activities: generateActivities(Number(values.activities), { seed: 2 }),
});
process.stdout.write(`MDCA simulator listening on ${sim.url} (MDCA_PORTAL_URL=${sim.url})\n`);
const stop = () => void sim.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
