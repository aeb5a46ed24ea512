// Test harness: a real rsyslogd (unpacked at <repo>/.tools/rsyslog, not installed) started in the
// foreground on a free 127.0.0.1 port with its own config, pid file and work directory.
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freeTcpUdpPort } from './ports.js';
import { makeDaemonDir, startDaemon, type Receiver, type ReceiverMode, type ReceiverOptions } from './daemon.js';

export type { Receiver, ReceiverOptions } from './daemon.js';

/** rsyslog also speaks RELP (imrelp, from the rsyslog-relp package unpacked beside it). */
export interface RsyslogOptions extends Omit<ReceiverOptions, 'mode'> {
  mode: ReceiverMode | 'relp' | 'relp-tls';
  /**
   * The "ack means written" configuration (docs/syslog.md, RELP): the input's ruleset gets a
   * Direct queue, so imrelp's submit runs the omfile action (and its end-of-transaction flush) in
   * the input's own thread before the ack goes out. Default: the main in-memory queue, where an
   * ack only means enqueued.
   */
  ackMeansWritten?: boolean;
  /** Main queue dequeues one message per 20 ms: a backlog builds up under load (what a busy
   *  receiver has), to show what an ack that only means "enqueued" loses to kill -9. */
  slowMainQueue?: boolean;
}

/** <repo>/.tools/rsyslog, found from this file (works in any clone, not only /work/main, and from
 *  the compiled copy in dist/test/support that the benchmarks import). */
export function rsyslogRoot(): string {
  if (process.env.RELAY_RSYSLOG_DIR) return process.env.RELAY_RSYSLOG_DIR;
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [resolve(here, '..', '..'), resolve(here, '..', '..', '..')].map((repo) => join(repo, '.tools', 'rsyslog'));
  return candidates.find((dir) => existsSync(join(dir, 'usr', 'sbin', 'rsyslogd'))) ?? candidates[0]!;
}

export function rsyslogAvailable(): boolean {
  return existsSync(join(rsyslogRoot(), 'usr', 'sbin', 'rsyslogd'));
}

function q(s: string): string {
  return JSON.stringify(s);
}

function rsyslogConfig(o: RsyslogOptions, port: number, file: string, dir: string, modDir: string): string {
  const size = o.maxMessageBytes ?? 65536;
  const mod = (name: string) => q(join(modDir, `${name}.so`));
  const global: string[] = [`workDirectory=${q(dir)}`, `maxMessageSize="${size}"`];
  const lines: string[] = [];
  if (o.mode === 'tls') {
    if (!o.tls) throw new Error('rsyslog tls mode needs opts.tls');
    global.push(
      'defaultNetstreamDriver="gtls"',
      `defaultNetstreamDriverCAFile=${q(o.tls.caFile)}`,
      `defaultNetstreamDriverCertFile=${q(o.tls.serverCertFile)}`,
      `defaultNetstreamDriverKeyFile=${q(o.tls.serverKeyFile)}`,
    );
  }
  // maxMessageSize must be set before any input module is loaded (rsyslog docs, global()).
  lines.push(`global(${global.join(' ')})`);
  if (o.slowMainQueue) lines.push('main_queue(queue.dequeueBatchSize="1" queue.dequeueSlowdown="20000")');
  if (o.mode === 'relp' || o.mode === 'relp-tls') {
    let tls = '';
    let lib = '';
    if (o.mode === 'relp-tls') {
      // librelp's GnuTLS back end demands a client certificate whenever the server has one (it
      // refuses "peer did not provide a certificate" in every auth mode); its OpenSSL back end
      // asks for one only under an auth mode, so a server-only TLS receiver is possible there.
      lib = ' tls.tlslib="openssl"';
      if (!o.tls) throw new Error('rsyslog relp-tls mode needs opts.tls');
      tls = ` tls="on" tls.caCert=${q(o.tls.caFile)} tls.myCert=${q(o.tls.serverCertFile)} tls.myPrivKey=${q(o.tls.serverKeyFile)}`;
      if (o.requireClientCert) tls += ' tls.authMode="certvalid"';
    }
    lines.push(`module(load=${mod('imrelp')}${lib})`);
    lines.push(`input(type="imrelp" address="127.0.0.1" port="${port}" ruleset="in"${tls})`);
  } else if (o.mode === 'udp') {
    lines.push(`module(load=${mod('imudp')})`);
    lines.push(`input(type="imudp" address="127.0.0.1" port="${port}" rcvbufSize="4m" ruleset="in")`);
  } else {
    // imtcp accepts LF and octet-counted framing on the same port (RFC 6587 both ways).
    const tls =
      o.mode === 'tls'
        ? ` streamDriver.name="gtls" streamDriver.mode="1" streamDriver.authMode="${o.requireClientCert ? 'x509/certvalid' : 'anon'}"`
        : '';
    lines.push(`module(load=${mod('imtcp')} maxSessions="50"${tls})`);
    lines.push(`input(type="imtcp" address="127.0.0.1" port="${port}" ruleset="in")`);
  }
  if (!o.raw) lines.push(`module(load=${mod('mmrm1stspace')})`);
  const tpl = o.raw
    ? '%rawmsg%\\n'
    : '%pri%\\t%syslogfacility-text%\\t%syslogseverity-text%\\t%hostname%\\t%app-name%\\t%msg%\\n';
  lines.push(`template(name="out" type="string" string="${tpl}")`);
  // The input has its own ruleset so rsyslog's internal messages never reach the file.
  lines.push(o.ackMeansWritten ? 'ruleset(name="in" queue.type="Direct") {' : 'ruleset(name="in") {');
  // RFC 3164 leaves the space after "TAG:" in %msg%; mmrm1stspace removes it so both RFCs compare alike.
  if (!o.raw) lines.push('  action(type="mmrm1stspace")');
  lines.push(`  action(type="omfile" file=${q(file)} template="out")`);
  lines.push('}');
  return lines.join('\n') + '\n';
}

/** Starts rsyslogd listening on 127.0.0.1 in the given mode (imtcp takes both tcp framings). */
export async function startRsyslog(opts: RsyslogOptions): Promise<Receiver> {
  const root = rsyslogRoot();
  const bin = join(root, 'usr', 'sbin', 'rsyslogd');
  const libDir = join(root, 'usr', 'lib', 'x86_64-linux-gnu');
  const modDir = join(libDir, 'rsyslog');
  if (!existsSync(bin)) throw new Error(`rsyslogd not found at ${bin} (run .ci/setup-system.sh)`);
  const dir = await makeDaemonDir('relay-rsyslog-');
  const port = opts.port ?? (await freeTcpUdpPort());
  const file = join(dir, 'received.log');
  const conf = join(dir, 'rsyslog.conf');
  await writeFile(conf, rsyslogConfig(opts, port, file, dir, modDir));
  // -M: implicit modules (lmnet, lmnsd_gtls, ...) are loaded from the unpacked tree too.
  const args = ['-n', '-f', conf, '-i', join(dir, 'rsyslogd.pid'), '-M', modDir];
  const relp = opts.mode === 'relp' || opts.mode === 'relp-tls';
  if (relp && !existsSync(join(modDir, 'imrelp.so'))) throw new Error(`imrelp not found in ${modDir} (run .ci/setup-system.sh)`);
  return startDaemon({
    name: 'rsyslog',
    // imrelp needs librelp.so.0, unpacked beside rsyslog, not installed: env execs rsyslogd with
    // LD_LIBRARY_PATH (same pid, so kill() still reaches rsyslogd itself).
    command: relp ? 'env' : bin,
    args: relp ? [`LD_LIBRARY_PATH=${[libDir, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':')}`, bin, ...args] : args,
    port,
    proto: opts.mode === 'udp' ? 'udp' : 'tcp',
    file,
    dir,
  });
}
