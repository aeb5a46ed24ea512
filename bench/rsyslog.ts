// A real rsyslogd for the benchmarks (test/support is not in the build): plain TCP (imtcp) or RELP
// (imrelp), writing each raw message as one line, started in the foreground from the tree that
// .ci/setup-system.sh unpacks at <repo>/.tools/rsyslog.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repo } from './support.js';

export interface BenchRsyslog {
  port: number;
  /** Lines written so far. */
  count(): Promise<number>;
  /** Resolves when `n` lines were written (rejects after `timeoutMs`). */
  waitFor(n: number, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

async function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

export function rsyslogAvailable(): boolean {
  return existsSync(bin);
}

const root = join(repo, '.tools', 'rsyslog');
const bin = join(root, 'usr', 'sbin', 'rsyslogd');
const libDir = join(root, 'usr', 'lib', 'x86_64-linux-gnu');
const modDir = join(libDir, 'rsyslog');

interface Launched {
  dir: string;
  port: number;
  stop(): Promise<void>;
}

/** rsyslogd in the foreground with the config `conf(dir, port)` returns (`port`: a free one for its
 *  input), once that port listens; `what` names it in errors. stop() ends it and removes `dir`. */
async function launch(what: string, conf: (dir: string, port: number) => string[]): Promise<Launched> {
  if (!existsSync(bin)) throw new Error(`rsyslogd not found at ${bin} (run .ci/setup-system.sh)`);
  const dir = mkdtempSync(join(tmpdir(), 'bench-rsyslog-'));
  const port = await freePort();
  writeFileSync(join(dir, 'rsyslog.conf'), [`global(workDirectory="${dir}" maxMessageSize="65536")`, ...conf(dir, port), ''].join('\n'));
  const env = { ...process.env, LD_LIBRARY_PATH: [libDir, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':') };
  const child: ChildProcess = spawn(bin, ['-n', '-f', join(dir, 'rsyslog.conf'), '-i', join(dir, 'rsyslogd.pid'), '-M', modDir], { cwd: dir, env, stdio: 'ignore' });
  let exited = false;
  const gone = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));
  const cleanup = () => child.kill('SIGKILL');
  process.once('exit', cleanup);
  const deadline = Date.now() + 15_000;
  while (!(await listening(port))) {
    if (exited || Date.now() > deadline) {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`rsyslogd (${what}) did not listen on ${port}`);
    }
    await sleep(20);
  }
  return {
    dir,
    port,
    async stop() {
      process.off('exit', cleanup);
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await gone;
      clearTimeout(t);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * `tcp`: imtcp, `relp`: imrelp; the input's ruleset on the default main queue (an ack or close means
 * read / enqueued), or with `ackMeansWritten` on a Direct queue: the line is written before the ack
 * goes out (docs/syslog.md, "What an acknowledgement means on rsyslog").
 */
export async function startRsyslog(mode: 'tcp' | 'relp', ackMeansWritten = false): Promise<BenchRsyslog> {
  let file = '';
  const d = await launch(mode, (dir, port) => {
    file = join(dir, 'received.log');
    return [
      ...(mode === 'relp'
        ? [`module(load="${join(modDir, 'imrelp.so')}")`, `input(type="imrelp" address="127.0.0.1" port="${port}" ruleset="in")`]
        : [`module(load="${join(modDir, 'imtcp.so')}" maxSessions="50")`, `input(type="imtcp" address="127.0.0.1" port="${port}" ruleset="in")`]),
      'template(name="raw" type="string" string="%rawmsg%\\n")',
      ackMeansWritten ? 'ruleset(name="in" queue.type="Direct") {' : 'ruleset(name="in") {',
      `  action(type="omfile" file="${file}" template="raw")`,
      '}',
    ];
  });
  const count = async () => {
    try {
      const buf = await readFile(file);
      let n = 0;
      for (let i = buf.indexOf(10); i >= 0; i = buf.indexOf(10, i + 1)) n++;
      return n;
    } catch {
      return 0;
    }
  };
  return {
    port: d.port,
    count,
    async waitFor(n, timeoutMs = 60_000) {
      const end = Date.now() + timeoutMs;
      for (let got = await count(); got < n; got = await count()) {
        if (Date.now() > end) throw new Error(`rsyslog (${mode}): ${got} of ${n} lines written after ${timeoutMs} ms`);
        await sleep(50);
      }
    },
    stop: () => d.stop(),
  };
}

/**
 * rsyslog's own RELP client as a reference: an rsyslogd that takes raw lines on plain TCP (imtcp)
 * and forwards each, as it came, over RELP (omrelp, librelp's client) to `targetPort`. What the
 * sender side of rsyslog-to-rsyslog RELP forwarding achieves into the same receiver.
 */
export async function startRsyslogForwarder(targetPort: number, windowSize: number): Promise<{ port: number; stop(): Promise<void> }> {
  const d = await launch('omrelp forwarder', (_dir, port) => [
    `module(load="${join(modDir, 'imtcp.so')}")`,
    `module(load="${join(modDir, 'omrelp.so')}")`,
    `input(type="imtcp" address="127.0.0.1" port="${port}" ruleset="fwd")`,
    'template(name="raw" type="string" string="%rawmsg%")',
    'ruleset(name="fwd") {',
    `  action(type="omrelp" target="127.0.0.1" port="${targetPort}" template="raw" windowSize="${windowSize}")`,
    '}',
  ]);
  return { port: d.port, stop: () => d.stop() };
}
