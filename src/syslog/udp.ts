// UDP delivery (RFC 5426): one message per datagram, never split, never larger than the cap.
// Best effort by nature: "delivered" means every datagram was handed to the kernel.
import dgram from 'node:dgram';
import net from 'node:net';
import { RelayError } from '../errors.js';
import { guard, hostLabel, socketErrorText } from './tcp.js';
import type { SyslogHost } from './types.js';

/** Datagrams handed to libuv before waiting for their callbacks: bounds memory (dgram queues without limit). */
const WINDOW = 64;

/** Index and size of the first message over `maxBytes`, if any (checked before anything is sent). */
export function findOversize(messages: readonly string[], maxBytes: number): { index: number; bytes: number } | undefined {
  for (let i = 0; i < messages.length; i++) {
    const bytes = Buffer.byteLength(messages[i]!, 'utf8');
    if (bytes > maxBytes) return { index: i, bytes };
  }
  return undefined;
}

export class UdpSender {
  private readonly sockets = new Map<string, Promise<dgram.Socket>>();

  /**
   * Sends each message as one datagram on a socket connected to the host. connect() on UDP only
   * fixes the peer (no packets), but lets the kernel report ICMP port-unreachable as
   * ECONNREFUSED on a later send, which we treat as a failed batch (and fail over).
   */
  async send(host: SyslogHost, messages: readonly string[], timeoutMs: number): Promise<number> {
    const pending = this.socket(host, timeoutMs);
    const sock = await pending;
    let bytes = 0;
    try {
      await new Promise<void>((resolve, reject) => {
        let next = 0;
        let inflight = 0;
        let failed = false;
        const pump = () => {
          while (!failed && inflight < WINDOW && next < messages.length) {
            const buf = Buffer.from(messages[next++]!, 'utf8');
            bytes += buf.length;
            inflight++;
            sock.send(buf, (err) => {
              inflight--;
              if (failed) return;
              if (err) {
                failed = true;
                reject(err);
              } else if (next >= messages.length && inflight === 0) resolve();
              else pump();
            });
          }
        };
        if (messages.length === 0) resolve();
        else pump();
      });
    } catch (err) {
      this.drop(host, pending);
      throw new RelayError('SYSLOG_SEND_FAILED', 'send', `UDP send to ${hostLabel(host)} failed: ${socketErrorText(err)}`, { cause: err });
    }
    return bytes;
  }

  private socket(host: SyslogHost, timeoutMs: number): Promise<dgram.Socket> {
    const key = `${host.host}|${host.port}`;
    let p = this.sockets.get(key);
    if (!p) {
      const created: Promise<dgram.Socket> = new Promise<dgram.Socket>((resolve, reject) => {
        const sock = guard(dgram.createSocket(net.isIPv6(host.host) ? 'udp6' : 'udp4'));
        const timer = setTimeout(() => {
          sock.close();
          reject(new Error(`UDP connect timed out after ${timeoutMs} ms`));
        }, timeoutMs);
        sock.once('error', (err) => {
          clearTimeout(timer);
          reject(err);
        });
        sock.connect(host.port, host.host, () => {
          clearTimeout(timer);
          resolve(sock);
        });
        // An error after connect (e.g. ICMP) invalidates the socket: the next batch opens a fresh one.
        sock.on('error', () => this.drop(host, created));
      }).catch((err: unknown) => {
        if (this.sockets.get(key) === created) this.sockets.delete(key);
        throw new RelayError('SYSLOG_UNREACHABLE', 'send', `UDP socket for ${hostLabel(host)} failed: ${socketErrorText(err)}`, { cause: err });
      });
      p = created;
      this.sockets.set(key, p);
    }
    return p;
  }

  /** Forgets and closes this socket (only if it is still the host's current one). */
  private drop(host: SyslogHost, which: Promise<dgram.Socket>): void {
    const key = `${host.host}|${host.port}`;
    if (this.sockets.get(key) !== which) return;
    this.sockets.delete(key);
    void which.then(closeQuietly, () => undefined);
  }

  async close(): Promise<void> {
    const all = [...this.sockets.values()];
    this.sockets.clear();
    await Promise.all(all.map((p) => p.then(closeQuietly, () => undefined)));
  }
}

function closeQuietly(s: dgram.Socket): Promise<void> {
  return new Promise<void>((resolve) => {
    try {
      s.close(() => resolve());
    } catch {
      resolve(); // already closed
    }
  });
}
