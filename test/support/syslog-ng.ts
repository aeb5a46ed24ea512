// Test harness: a real syslog-ng started in the foreground on a free 127.0.0.1 port with its own
// config, persist/pid/control paths in a temp dir, writing every event it receives to a file.
// The daemon plumbing and the Receiver interface live in daemon.ts (re-exported here for existing imports).
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeDaemonDir, startDaemon, type Receiver, type ReceiverOptions } from './daemon.js';
import { freeTcpUdpPort } from './ports.js';

export * from './daemon.js';

function quote(s: string): string {
  return JSON.stringify(s); // syslog-ng strings accept C-style escapes like JSON's
}

function syslogNgConfig(o: ReceiverOptions, port: number, file: string): string {
  const size = o.maxMessageBytes ?? 65536;
  // flags(no-parse) keeps the message byte for byte; syslog-protocol makes network() parse
  // RFC 5424 and still fall back to RFC 3164 (syslog() does both by default).
  const common = `ip("127.0.0.1") port(${port}) keep-hostname(yes) log-msg-size(${size})`;
  // log-iw-size is split across max-connections: give each connection a large window so flow
  // control, not drops, governs a fast sender.
  const tcpOpts = 'max-connections(10) log-iw-size(100000) log-fetch-limit(1000)';
  let source: string;
  switch (o.mode) {
    case 'tcp-lf':
      source = `network(${common} transport("tcp") ${tcpOpts} flags(${o.raw ? 'no-parse' : 'syslog-protocol'}))`;
      break;
    case 'tcp-octet':
      source = `syslog(${common} transport("tcp") ${tcpOpts}${o.raw ? ' flags(no-parse)' : ''})`;
      break;
    case 'udp':
      source = `network(${common} transport("udp") so-rcvbuf(4194304) flags(${o.raw ? 'no-parse' : 'syslog-protocol'}))`;
      break;
    case 'tls': {
      if (!o.tls) throw new Error('syslog-ng tls mode needs opts.tls');
      const verify = o.requireClientCert ? 'required-trusted' : 'optional-untrusted';
      source =
        `syslog(${common} transport("tls") ${tcpOpts}${o.raw ? ' flags(no-parse)' : ''} tls(` +
        `key-file(${quote(o.tls.serverKeyFile)}) cert-file(${quote(o.tls.serverCertFile)}) ` +
        `ca-file(${quote(o.tls.caFile)}) peer-verify(${verify})))`;
      break;
    }
  }
  const template = o.raw ? '${MSG}\\n' : '${PRI}\\t${FACILITY}\\t${LEVEL}\\t${HOST}\\t${PROGRAM}\\t${MSG}\\n';
  return [
    '@version: 3.38',
    'options { use-dns(no); dns-cache(no); stats-freq(0); log-fifo-size(200000); chain-hostnames(no); };',
    `source s_in { ${source}; };`,
    `destination d_file { file(${quote(file)} template("${template}") template-escape(no)); };`,
    // flow-control: a slow file makes syslog-ng stop reading rather than drop (TCP/TLS).
    'log { source(s_in); destination(d_file); flags(flow-control); };',
    '',
  ].join('\n');
}

/** Starts syslog-ng (binary on PATH) listening on 127.0.0.1 in the given mode. */
export async function startSyslogNg(opts: ReceiverOptions): Promise<Receiver> {
  const dir = await makeDaemonDir('relay-syslog-ng-');
  const port = opts.port ?? (await freeTcpUdpPort());
  const file = join(dir, 'received.log');
  const conf = join(dir, 'syslog-ng.conf');
  await writeFile(conf, syslogNgConfig(opts, port, file));
  return startDaemon({
    name: 'syslog-ng',
    command: 'syslog-ng',
    args: ['-F', '--no-caps', '-f', conf, '-R', join(dir, 'persist'), '-p', join(dir, 'pid'), '-c', join(dir, 'ctl')],
    port,
    proto: opts.mode === 'udp' ? 'udp' : 'tcp',
    file,
    dir,
  });
}
