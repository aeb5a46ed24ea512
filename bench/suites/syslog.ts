// Benchmark 'syslog': events/s over loopback TCP into a real syslog-ng, our sender next to the npm
// package syslog-client sending the same events in the same run, and the loss each suffers when
// the receiver restarts mid-stream. (Self-contained launcher: test/support is not in the build.)
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSender } from '../../src/syslog/index.js';
import type { BenchSuite, Figure } from '../types.js';

const SUITE = 'syslog';
const N = 100_000; // events per throughput run
const M = 40_000; // events per restart run
const BATCH = 10_000; // events per confirmed batch (ours) and per page of callbacks (syslog-client)

interface SyslogClient {
  log(msg: string, options: object, cb: (err?: Error) => void): void;
  on(ev: 'error' | 'close', fn: (err?: Error) => void): void;
  close(): void;
}
const require = createRequire(import.meta.url);
const syslogClient = require('syslog-client') as { createClient(host: string, o: object): SyslogClient; Transport: { Tcp: number } };

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

/** syslog-ng writing each message's text (RFC 5424 parsed, MSG only) one per line. */
class Receiver {
  private child?: ChildProcess;
  private offset = 0;
  private counted = 0;
  readonly file: string;
  private constructor(
    private readonly dir: string,
    readonly port: number,
  ) {
    this.file = join(dir, 'received.log');
  }

  static async start(): Promise<Receiver> {
    const r = new Receiver(mkdtempSync(join(tmpdir(), 'bench-syslog-')), await freePort());
    writeFileSync(
      join(r.dir, 'syslog-ng.conf'),
      [
        '@version: 3.38',
        'options { use-dns(no); dns-cache(no); stats-freq(0); log-fifo-size(200000); };',
        `source s { network(ip("127.0.0.1") port(${r.port}) transport("tcp") flags(syslog-protocol) max-connections(10) log-iw-size(100000) log-fetch-limit(1000) log-msg-size(65536)); };`,
        `destination d { file("${r.file}" template("\${MSG}\\n")); };`,
        'log { source(s); destination(d); flags(flow-control); };',
      ].join('\n'),
    );
    await r.launch();
    return r;
  }

  async launch(): Promise<void> {
    const d = this.dir;
    const c = spawn('syslog-ng', ['-F', '--no-caps', '-f', join(d, 'syslog-ng.conf'), '-R', join(d, 'persist'), '-p', join(d, 'pid'), '-c', join(d, 'ctl')], { stdio: 'ignore' });
    this.child = c;
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      const up = await new Promise<boolean>((res) => {
        const s = net.connect(this.port, '127.0.0.1');
        s.on('connect', () => {
          s.destroy();
          res(true);
        });
        s.on('error', () => res(false));
      });
      if (up) return;
      await sleep(20);
    }
    throw new Error('syslog-ng did not start');
  }

  /** SIGKILL (a crash, an OOM kill, a host reboot), then start again on the same port and file. */
  async restart(): Promise<void> {
    const c = this.child;
    if (c) {
      const gone = new Promise((r) => c.once('exit', r));
      c.kill('SIGKILL');
      await gone;
    }
    await this.launch();
  }

  /** Distinct events of this tag in the file (resends make duplicates; loss is what is absent). */
  async distinct(tag: string): Promise<number> {
    const text = await readFile(this.file, 'utf8').catch(() => '');
    const seen = new Set<string>();
    const re = new RegExp(`externalId=${tag}-(\\d+) `, 'g');
    for (const m of text.matchAll(re)) seen.add(m[1]!);
    return seen.size;
  }

  /** Counts lines written so far, reading only what was appended since the last call. */
  async lines(): Promise<number> {
    let fh;
    try {
      fh = await open(this.file, 'r');
    } catch {
      return this.counted;
    }
    try {
      const buf = Buffer.alloc(1 << 20);
      for (;;) {
        const { bytesRead } = await fh.read(buf, 0, buf.length, this.offset);
        if (bytesRead === 0) break;
        this.offset += bytesRead;
        for (let i = 0; i < bytesRead; i++) if (buf[i] === 10) this.counted++;
      }
    } finally {
      await fh.close();
    }
    return this.counted;
  }

  async waitFor(n: number, quietMs = 3_000): Promise<number> {
    let last = -1;
    let since = Date.now();
    for (;;) {
      const got = await this.lines();
      if (got >= n) return got;
      if (got !== last) {
        last = got;
        since = Date.now();
      } else if (Date.now() - since > quietMs) return got; // nothing more is coming
      await sleep(10);
    }
  }

  async stop(): Promise<void> {
    this.child?.kill('SIGTERM');
    await sleep(100);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

const body = (i: number, tag: string) => `CEF:0|MCAS|SIEM_Agent|0.1|ALERT_${i % 7}|Bench event ${i}|5|externalId=${tag}-${i} rt=1715000000000 msg=Impossible travel activity for user${i % 97}@contoso.com from 203.0.113.${i % 250} cs1Label=portal cs1=https://portal.cloudappsecurity.com/#/alerts/${i}`;
const line = (i: number, tag: string) => `<134>1 2024-05-06T07:08:09.123Z relay mdca-siem-relay - - - ${body(i, tag)}`;

async function ours(r: Receiver, count: number, tag: string, onProgress?: (sent: number) => Promise<void>): Promise<{ ms: number; failures: number }> {
  const s = createSender({ protocol: 'tcp', hosts: [{ host: '127.0.0.1', port: r.port }], framing: 'lf', connectTimeoutMs: 5_000, writeTimeoutMs: 10_000, udpMaxBytes: 2048, retry: { attempts: 1, initialDelayMs: 50, maxDelayMs: 500 } });
  const t0 = performance.now();
  let failures = 0;
  for (let i = 0; i < count; ) {
    const n = Math.min(BATCH, count - i);
    const batch = Array.from({ length: n }, (_, k) => line(i + k, tag));
    try {
      await s.deliver(batch);
      i += n; // only a confirmed batch moves on, as the pipeline's checkpoint does
    } catch {
      failures++;
      await sleep(50);
    }
    await onProgress?.(i);
  }
  const ms = performance.now() - t0;
  await s.close();
  return { ms, failures };
}

/** syslog-client used as a relay would: a page of BATCH events, wait for every callback, next page. */
async function theirs(r: Receiver, count: number, tag: string, onProgress?: (sent: number) => Promise<void>): Promise<{ ms: number; errors: number }> {
  const c = syslogClient.createClient('127.0.0.1', { port: r.port, transport: syslogClient.Transport.Tcp, rfc3164: false, syslogHostname: 'relay', appName: 'mdca-siem-relay', facility: 16, severity: 6 });
  let errors = 0;
  c.on('error', () => errors++); // without this listener an ECONNRESET crashes the process
  const t0 = performance.now();
  for (let i = 0; i < count; ) {
    const n = Math.min(BATCH, count - i);
    await new Promise<void>((resolve) => {
      let done = 0;
      for (let k = 0; k < n; k++) {
        // Its callback fires once its socket took the bytes: the only "sent" it knows.
        c.log(body(i + k, tag), {}, (err) => {
          if (err) errors++;
          if (++done === n) resolve();
        });
      }
    });
    i += n;
    await onProgress?.(i);
    // Yield between pages, as a relay fetching its next page would (its write callbacks can all
    // fire within one turn of the event loop otherwise).
    await new Promise((resolve) => setImmediate(resolve));
  }
  const ms = performance.now() - t0;
  c.close();
  return { ms, errors };
}

const suite: BenchSuite = {
  name: SUITE,
  async run(): Promise<Figure[]> {
    const figures: Figure[] = [];

    // 1. Throughput, end to end (until syslog-ng wrote every line), same events, same receiver config.
    const r1 = await Receiver.start();
    let base = 0;
    const t1 = await ours(r1, N, 'ours');
    const oursGot = (await r1.waitFor(N)) - base;
    const oursRate = N / ((t1.ms + 0) / 1000);
    base = await r1.lines();
    const t0 = performance.now();
    await theirs(r1, N, 'theirs');
    const theirsGot = (await r1.waitFor(base + N)) - base;
    const theirsRate = theirsGot / ((performance.now() - t0) / 1000);
    // The receiver's own ceiling: the same lines in one raw write, no framing work, no confirmation,
    // timed until syslog-ng wrote them all. No sender can beat it; it bounds the 3x target.
    base = await r1.lines();
    const raw = Array.from({ length: N }, (_, i) => line(i, 'raw') + '\n').join('');
    const t2 = performance.now();
    await new Promise<void>((resolve, reject) => {
      const sock = net.connect(r1.port, '127.0.0.1', () => sock.end(raw));
      sock.once('error', reject);
      sock.once('close', () => resolve());
    });
    await r1.waitFor(base + N);
    const ceiling = N / ((performance.now() - t2) / 1000);
    await r1.stop();
    figures.push({
      suite: SUITE,
      name: 'syslog-ng ingest ceiling on this machine (one raw write, nothing confirmed, until written)',
      value: Math.round(ceiling),
      unit: 'events/s',
      note: `ours reached ${((oursRate / ceiling) * 100).toFixed(0)}% of what the receiver itself can take, with every batch confirmed.`,
    });
    figures.push({
      suite: SUITE,
      name: `TCP events/s into syslog-ng (${N.toLocaleString('en-US')} events, confirmed batches of ${BATCH})`,
      value: Math.round(oursRate),
      unit: 'events/s',
      baseline: { name: 'syslog-client', value: Math.round(theirsRate) },
      target: '>= 3x syslog-client, zero loss',
      met: oursRate >= 3 * theirsRate && oursGot === N,
      note: `ours: ${oursGot}/${N} received, every batch confirmed by the receiver; syslog-client: ${theirsGot}/${N} received, timed until syslog-ng wrote its last line.`,
    });

    // 2. Receiver killed and started again once a third of the stream was written.
    const lossRun = async (who: 'ours' | 'theirs'): Promise<{ got: number; lines: number; extra: string }> => {
      const r = await Receiver.start();
      let killedAt = -1;
      let sending = true;
      let progress = 0; // events the sender says it handed over (ours: confirmed; syslog-client: callbacks)
      const onProgress = async (n: number) => {
        progress = n;
      };
      // Kills the receiver from the side once the sender reports a third of the stream sent.
      const watcher = (async () => {
        while (killedAt < 0 && sending) {
          if (progress >= M / 3) {
            killedAt = progress;
            await r.restart();
          }
          await sleep(1);
        }
      })();
      let extra: string;
      if (who === 'ours') {
        const res = await ours(r, M, who, onProgress);
        extra = `${res.failures} batch(es) failed and were resent`;
      } else {
        // syslog-client has no backpressure and no confirmation: its callbacks fire once its socket took the bytes.
        const res = await Promise.race([theirs(r, M, who, onProgress), sleep(20_000).then(() => ({ ms: 0, errors: -1 }))]);
        extra = res.errors < 0 ? 'its callbacks never all fired (gave up after 20 s)' : `${res.errors} error(s) reported to the caller`;
      }
      sending = false;
      await watcher;
      const lines = await r.waitFor(M);
      const got = await r.distinct(who);
      await r.stop();
      return { got, lines, extra: `${extra}; receiver killed after ${killedAt} reported sent` };
    };
    const oursLoss = await lossRun('ours');
    const theirsLoss = await lossRun('theirs');
    const lost = (got: number) => Math.max(0, M - got);
    figures.push({
      suite: SUITE,
      name: `events lost when syslog-ng is killed and restarted mid-stream (${M.toLocaleString('en-US')} sent)`,
      value: lost(oursLoss.got),
      unit: 'events',
      baseline: { name: 'syslog-client', value: lost(theirsLoss.got) },
      target: '0 lost',
      met: lost(oursLoss.got) === 0,
      note: `ours: ${oursLoss.got} distinct events in ${oursLoss.lines} lines (resends may duplicate: at least once), ${oursLoss.extra}; syslog-client: ${theirsLoss.got} distinct in ${theirsLoss.lines} lines, ${theirsLoss.extra}.`,
    });
    return figures;
  },
};

export default suite;
