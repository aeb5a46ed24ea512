// Command-line entry of the Graph simulator:
// `node dist/src/simulator/graph/main.js [--alerts N] [--seed S] [--port P] [--token T] [--no-rate-limit]
//   [--shuffle] [--page-size N] [--next-link-ttl-ms MS] [--paging snapshot|live]`; drive it further through /_sim/.
import { parseArgs } from 'node:util';
import { GRAPH_SIM_TOKEN, startGraphSimulator } from './server.js';

const { values } = parseArgs({
  options: {
    alerts: { type: 'string', default: '60' },
    seed: { type: 'string', default: '1' },
    port: { type: 'string', default: '0' },
    token: { type: 'string', default: GRAPH_SIM_TOKEN },
    'no-rate-limit': { type: 'boolean', default: false },
    shuffle: { type: 'boolean', default: false },
    'page-size': { type: 'string' },
    'next-link-ttl-ms': { type: 'string' },
    paging: { type: 'string', default: 'snapshot' },
  },
});

const sim = await startGraphSimulator({
  port: Number(values.port),
  tokens: [values.token],
  rateLimit: values['no-rate-limit'] ? false : undefined,
  shuffle: values.shuffle,
  pageSize: values['page-size'] === undefined ? undefined : Number(values['page-size']),
  nextLinkTtlMs: values['next-link-ttl-ms'] === undefined ? undefined : Number(values['next-link-ttl-ms']),
  paging: values.paging === 'live' ? 'live' : 'snapshot',
});
sim.generate(Number(values.alerts), { seed: Number(values.seed) });
process.stdout.write(`Graph alerts_v2 simulator listening on ${sim.url} (GRAPH_ENDPOINT=${sim.url} GRAPH_TOKEN=${sim.token})\n`);
const stop = () => void sim.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
