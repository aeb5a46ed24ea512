// Test harness for syslog daemons (syslog-ng.ts, rsyslog.ts): the Receiver interface, the parsed line, and
// the process plumbing: start in the foreground, wait for the port, stop, kill, restart, read what arrived.
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, readdir, readFile, readlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TlsFiles } from './tls-certs.js';

export type ReceiverMode = 'tcp-lf' | 'tcp-octet' | 'tls' | 'udp';

export interface ReceiverOptions {
  mode: ReceiverMode;
  /** Write exactly the message as received (no parsing), one per line, so tests compare bytes. */
  raw?: boolean;
  /** Required for mode 'tls': the server cert/key and the CA that signs client certs. */
  tls?: TlsFiles;
  /** tls: refuse clients without a certificate signed by tls.caFile (mutual TLS). */
  requireClientCert?: boolean;
  /** Receiver's message size limit (syslog-ng log-msg-size, rsyslog maxMessageSize); default 65536. */
  maxMessageBytes?: number;
  /** Fixed port (default: a free one). */
  port?: number;
}

export interface Receiver {
  host: '127.0.0.1';
  port: number;
  /** The file the daemon writes, one event per line (see parseReceivedLine for the non-raw format). */
  file: string;
  /** Complete lines written so far (a trailing partial line is left out). */
  lines(): Promise<string[]>;
  /** Resolves with the lines once at least n are there; rejects after timeoutMs (default 20 s). */
  waitForLines(n: number, timeoutMs?: number): Promise<string[]>;
  /**
   * Resolves with the lines once `done(lines)` holds. For "nothing more arrived" checks: send a marker
   * after what must not arrive, wait for the marker, then look (never a fixed wait).
   */
  waitFor(done: (lines: string[]) => boolean, timeoutMs?: number): Promise<string[]>;
  /** SIGTERM and wait for exit. */
  stop(): Promise<void>;
  /** SIGKILL and wait for exit. */
  kill(): Promise<void>;
  /** Starts the daemon again (stopping it first if running) on the same port, appending to the same file. */
  restart(): Promise<void>;
  /** Whether the daemon process is running. */
  running(): boolean;
}

/** Non-raw line format written by both harnesses: PRI, facility, severity, host, app, message, tab-separated. */
export interface ReceivedEvent {
  pri: number;
  facility: string;
  severity: string;
  host: string;
  app: string;
  msg: string;
}

export function parseReceivedLine(line: string): ReceivedEvent {
  const parts = line.split('\t');
  if (parts.length < 6) throw new Error(`not a receiver line: ${JSON.stringify(line.slice(0, 200))}`);
  const [pri, facility, severity, host, app] = parts as [string, string, string, string, string];
  return { pri: Number(pri), facility, severity, host, app, msg: parts.slice(5).join('\t') };
}

/** Tab-separated template for the non-raw format; the daemons fill in their own macro names. */
export const PARSED_FIELDS = ['pri', 'facility', 'severity', 'host', 'app', 'msg'] as const;

// ---------------------------------------------------------------------------------------------
// Starting, stopping and reading a daemon process

export interface DaemonSpec {
  name: string;
  command: string;
  args: string[];
  port: number;
  proto: 'tcp' | 'udp';
  file: string;
  dir: string;
}

const live = new Set<ChildProcess>();
const tempDirs = new Set<string>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // A crashed or finished test run must not leave daemons holding ports, nor temp dirs behind
  // (the files stay readable until then, even after stop()).
  process.on('exit', () => {
    for (const c of live) c.kill('SIGKILL');
    for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
  });
}

/** A daemon's own words for a port it could not bind (rsyslog imrelp/imtcp, syslog-ng, Node). */
const BIND_FAILED = /Address already in use|EADDRINUSE|error while binding|could not activate relp listener/i;

/**
 * True once the process `pid` itself holds a listening socket on the port (Linux: the socket's
 * inode in /proc/net/{tcp,udp}[6] among the process's fds). The check touches neither the port nor
 * the daemon. A probe that binds the port (as this did before) holds it for an instant, and a
 * daemon binding in that instant fails: rsyslog then runs on without a listener (imrelp logs
 * "error while binding relp tcp socket" and carries on), which the old probe took for "listening"
 * (the port was busy: its own bind) or for a 15 s start timeout. It also mistook any other
 * process on the port for the daemon. On a loaded machine (the full suite) the probe can be
 * preempted while it holds the port: the likely cause of the RELP kill test's rare failure (issue
 * 15; 10 restarts per run).
 */
async function listening(pid: number, port: number, proto: 'tcp' | 'udp'): Promise<boolean> {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const inodes = new Set<string>();
  for (const table of proto === 'tcp' ? ['tcp', 'tcp6'] : ['udp', 'udp6']) {
    const text = await readFile(`/proc/net/${table}`, 'utf8').catch(() => '');
    for (const row of text.split('\n').slice(1)) {
      const f = row.trim().split(/\s+/);
      // local_address is ADDR:PORT in hex; st 0A is LISTEN (tcp), 07 an unconnected socket (udp).
      if (f[1]?.endsWith(`:${hexPort}`) && f[3] === (proto === 'tcp' ? '0A' : '07') && f[9]) inodes.add(f[9]);
    }
  }
  if (inodes.size === 0) return false;
  const fds = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
  for (const fd of fds) {
    const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
    const m = /^socket:\[(\d+)\]$/.exec(target);
    if (m && inodes.has(m[1]!)) return true;
  }
  return false;
}

/** Starts a daemon process and returns a Receiver once its listener is bound. */
export async function startDaemon(spec: DaemonSpec): Promise<Receiver> {
  installExitHook();
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let stderr = '';

  const launch = async (): Promise<void> => {
    stderr = '';
    const c = spawn(spec.command, spec.args, { cwd: spec.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    child = c;
    live.add(c);
    const collect = (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    };
    c.stdout?.on('data', collect);
    c.stderr?.on('data', collect);
    let dead = false;
    exited = new Promise<void>((resolve) => {
      c.once('exit', () => {
        dead = true;
        live.delete(c);
        if (child === c) child = undefined;
        resolve();
      });
      c.once('error', (err) => {
        stderr += String(err);
        dead = true;
        live.delete(c);
        if (child === c) child = undefined;
        resolve();
      });
    });
    const deadline = Date.now() + 15_000;
    for (;;) {
      if (dead) throw new Error(`${spec.name} exited before listening on ${spec.port}: ${stderr}`);
      if (await listening(c.pid!, spec.port, spec.proto)) return;
      if (BIND_FAILED.test(stderr)) {
        // Running without its listener (rsyslog carries on): stop it and say so; restart() retries.
        c.kill('SIGKILL');
        await exited;
        throw new Error(`${spec.name} could not bind ${spec.port}: ${stderr}`);
      }
      if (Date.now() > deadline) {
        c.kill('SIGKILL');
        throw new Error(`${spec.name} did not listen on ${spec.port} within 15 s: ${stderr}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  const halt = async (signal: NodeJS.Signals): Promise<void> => {
    const c = child;
    if (!c) return;
    c.kill(signal);
    const t = setTimeout(() => c.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(t);
  };

  const lines = async (): Promise<string[]> => {
    let text: string;
    try {
      text = await readFile(spec.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const all = text.split('\n');
    all.pop(); // '' after the last LF, or a partial line still being written
    return all;
  };

  await launch();
  return {
    host: '127.0.0.1',
    port: spec.port,
    file: spec.file,
    lines,
    async waitForLines(n, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const got = await lines();
        if (got.length >= n) return got;
        if (Date.now() > deadline) throw new Error(`${spec.name}: ${got.length} of ${n} lines after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async waitFor(done, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const got = await lines();
        if (done(got)) return got;
        if (Date.now() > deadline) throw new Error(`${spec.name}: the awaited line did not arrive in ${timeoutMs} ms (${got.length} lines)`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    stop: () => halt('SIGTERM'),
    kill: () => halt('SIGKILL'),
    async restart() {
      await halt('SIGTERM');
      // After a SIGKILL the port can stay busy for a moment (connections of the dead daemon still
      // closing, and not every daemon sets SO_REUSEADDR): try again rather than fail the test.
      for (let attempt = 1; ; attempt++) {
        try {
          await launch();
          return;
        } catch (err) {
          if (attempt >= 25 || !BIND_FAILED.test(String(err))) throw err;
          await new Promise((r) => setTimeout(r, 200));
        }
      }
    },
    running: () => child !== undefined,
  };
}

export async function makeDaemonDir(prefix: string): Promise<string> {
  installExitHook();
  const dir = await mkdtemp(join(tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}
