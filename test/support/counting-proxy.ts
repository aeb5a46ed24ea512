// A TCP proxy in front of a receiver that counts the connections it carries: how many in all, and
// the most open at once (the sender's bound on connections to one receiver). Half-closes pass
// through (allowHalfOpen), so a sender's end-of-batch and the receiver's answer to it are kept.
import net from 'node:net';

export interface CountingProxy {
  host: { host: string; port: number };
  port: number;
  /** Connections accepted so far. */
  connections(): number;
  /** Most connections open at once so far. */
  maxOpen(): number;
  /** Drops every connection and stops listening. */
  close(): Promise<void>;
}

export async function countingProxy(target: { host?: string; port: number }): Promise<CountingProxy> {
  let total = 0;
  let open = 0;
  let maxOpen = 0;
  const socks = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true }, (client) => {
    total++;
    open++;
    maxOpen = Math.max(maxOpen, open);
    const up = net.connect({ host: target.host ?? '127.0.0.1', port: target.port, allowHalfOpen: true });
    for (const s of [client, up]) {
      socks.add(s);
      s.on('close', () => socks.delete(s));
    }
    client.pipe(up);
    up.pipe(client);
    client.on('error', () => up.destroy());
    up.on('error', () => client.destroy());
    client.on('close', () => {
      open--;
      up.destroy();
    });
    up.on('close', () => client.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as net.AddressInfo).port;
  return {
    host: { host: '127.0.0.1', port },
    port,
    connections: () => total,
    maxOpen: () => maxOpen,
    close: () => {
      for (const s of socks) s.destroy();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}
