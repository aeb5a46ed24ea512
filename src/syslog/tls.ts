// Opens a TLS connection (RFC 5425): TLS 1.2 or later, certificate and name always checked,
// system CAs or the given bundle, optional client certificate, session resumption across batches.
import net from 'node:net';
import tls from 'node:tls';
import { awaitConnected, guard } from './tcp.js';
import type { SyslogHost, SyslogOptions } from './types.js';

type TlsSettings = NonNullable<SyslogOptions['tls']>;

let trustCache: string[] | undefined;
/**
 * The trust store when no CA bundle is given. Node 22.15+ can read the operating system's store
 * (tls.getCACertificates('system')), which is what "system CAs" means to an operator; older Node
 * uses its bundled Mozilla roots plus NODE_EXTRA_CA_CERTS (Node's own default).
 */
function defaultTrust(): string[] | undefined {
  const get = (tls as unknown as { getCACertificates?: (type: string) => string[] }).getCACertificates;
  if (typeof get !== 'function') return undefined;
  if (trustCache === undefined) {
    try {
      trustCache = [...get('default'), ...get('system')];
    } catch {
      trustCache = get('default');
    }
  }
  return trustCache;
}

export class TlsConnector {
  /** Last session per host: resumption saves a full handshake on every batch's new connection. */
  private readonly sessions = new Map<string, Buffer>();
  constructor(private readonly settings: TlsSettings = {}) {}

  connect(host: SyslogHost, timeoutMs: number, signal?: AbortSignal): Promise<tls.TLSSocket> {
    const key = `${host.host}|${host.port}`;
    const s = this.settings;
    // SNI must not be an IP (RFC 6066 section 3). Node checks the certificate against servername
    // when set, else against host: an IP is then matched against the certificate's IP SANs.
    const servername = s.servername ?? (net.isIP(host.host) === 0 ? host.host : undefined);
    const sock = guard(
      tls.connect({
        host: host.host,
        port: host.port,
        servername,
        minVersion: 'TLSv1.2',
        rejectUnauthorized: true,
        ca: s.ca ?? defaultTrust(),
        cert: s.cert,
        key: s.key,
        session: this.sessions.get(key),
      }),
    );
    sock.setNoDelay(true);
    sock.on('session', (session: Buffer) => this.sessions.set(key, session));
    return awaitConnected(sock, host, 'secureConnect', timeoutMs, 'TLS connect', signal);
  }

  forget(host: SyslogHost): void {
    this.sessions.delete(`${host.host}|${host.port}`);
  }
}
