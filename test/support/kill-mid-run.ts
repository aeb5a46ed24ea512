// The kill -9 loops' one step: `run --once` killed with SIGKILL at a random instant after it started
// delivering (not while Node is still starting), so the kill lands between a delivery and its commit,
// or inside one.
import { spawnCli } from './cli.js';

/** Resolves true when the run was killed, false when it finished first. */
export async function runAndKill(env: Record<string, string>, receiver: { lines(): Promise<string[]> }): Promise<boolean> {
  const child = spawnCli(['run', '--once'], env);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const seen = (await receiver.lines()).length;
  const delivering = (async () => {
    while ((await receiver.lines()).length <= seen) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 120)));
    return 'kill' as const;
  })();
  const outcome = await Promise.race([exited.then(() => 'exited' as const), delivering]);
  if (outcome === 'kill') child.kill('SIGKILL');
  await exited;
  return outcome === 'kill';
}
