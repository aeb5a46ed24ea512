// Cold start: time to import every Function entry, bundled (dist/app, what is deployed) next to the
// unbundled build and to the four Azure SDKs imported straight from node_modules, in the same run.
// Each figure is the median of fresh processes (module caches are per process).
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { percentile, nodeEval, repo } from '../support.js';
import type { BenchSuite, Figure } from '../types.js';

const RUNS = 9;

async function median(specifiers: string[]): Promise<number> {
  const script = `const t = performance.now(); await Promise.all(${JSON.stringify(specifiers)}.map((s) => import(s))); console.log(performance.now() - t);`;
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) times.push(Number(await nodeEval(script, repo, { ...process.env, NODE_NO_WARNINGS: '1' })));
  return percentile(times, 50);
}

const suite: BenchSuite = {
  name: 'startup',
  async run(): Promise<Figure[]> {
    const entries = (await readdir(path.join(repo, 'functions'))).filter((f) => f.endsWith('.ts')).map((f) => f.replace(/\.ts$/, '.js'));
    const sdks = ['@azure/functions', '@azure/data-tables', '@azure/keyvault-secrets', '@azure/identity'];
    const sdkTime = await median(sdks);
    const unbundled = await median(entries.map((e) => path.join(repo, 'dist', 'functions', e)));
    const bundled = await median(entries.map((e) => path.join(repo, 'dist', 'app', e)));
    return [
      { suite: 'startup', name: `four Azure SDKs, unbundled (node_modules)`, value: sdkTime, unit: 'ms' },
      { suite: 'startup', name: `all ${entries.length} Function entries, bundled (dist/app)`, value: bundled, unit: 'ms', baseline: { name: 'same entries unbundled (dist/functions)', value: unbundled }, target: '<= 80 ms', met: bundled <= 80, note: `median of ${RUNS} fresh processes each` },
    ];
  },
};
export default suite;
