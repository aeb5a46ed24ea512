// A TCP proxy that can freeze: it keeps accepting and holding connections but forwards nothing, as a
// storage endpoint that hangs (issue 13, item 4). Thawing delivers what was held, in order, as a
// service that wakes up and works through its backlog would (so a write given up on may still land).
import net from 'node:net';
import type { Azurite } from './azurite.js';

export interface FreezableProxy {
  port: number;
  /** Connections currently open through the proxy (including held ones). */
  readonly connections: number;
  /** Connections with bytes held by the freeze, either direction (requests that reached the frozen endpoint). */
  readonly held: number;
  /** Connections whose client left (gave up) and that the target has not closed yet. */
  readonly abandoned: number;
  freeze(): void;
  thaw(): void;
  close(): Promise<void>;
}

const END = Symbol('end');
type Held = Buffer | typeof END;

/** One direction of one connection: forwards, or holds while frozen. */
class Direction {
  held: Held[] = [];
  constructor(
    private readonly to: net.Socket,
    private readonly frozen: () => boolean,
  ) {}

  push(item: Held): void {
    if (this.frozen() || this.held.length > 0) this.held.push(item);
    else this.send(item);
  }

  flush(): void {
    const items = this.held;
    this.held = [];
    for (const item of items) this.send(item);
  }

  private send(item: Held): void {
    if (this.to.destroyed) return;
    if (item === END) this.to.end();
    else this.to.write(item);
  }
}

export async function startFreezableProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<FreezableProxy> {
  let frozen = false;
  const links = new Set<{ up: Direction; down: Direction; client: net.Socket; upstream: net.Socket; clientGone: boolean }>();
  const server = net.createServer({ allowHalfOpen: true }, (client) => {
    const upstream = net.connect({ port: targetPort, host: targetHost, allowHalfOpen: true });
    const link = { client, upstream, up: new Direction(upstream, () => frozen), down: new Direction(client, () => frozen), clientGone: false };
    links.add(link);
    client.on('data', (d: Buffer) => link.up.push(d));
    client.on('end', () => {
      link.clientGone = true;
      link.up.push(END);
    });
    upstream.on('data', (d: Buffer) => link.down.push(d));
    upstream.on('end', () => link.down.push(END));
    // A reset on either side ends both, whatever is held (as a dropped connection would).
    const drop = () => {
      links.delete(link);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop);
    upstream.on('error', drop);
    let closed = 0;
    const onClose = () => {
      if (++closed === 2) links.delete(link);
    };
    client.on('close', () => {
      link.clientGone = true;
      onClose();
    });
    upstream.on('close', onClose);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    get connections() {
      return links.size;
    },
    get held() {
      let n = 0;
      for (const link of links) if (link.up.held.length + link.down.held.length > 0) n++;
      return n;
    },
    get abandoned() {
      let n = 0;
      for (const link of links) if (link.clientGone) n++;
      return n;
    },
    freeze: () => {
      frozen = true;
    },
    thaw: () => {
      frozen = false;
      for (const link of links) {
        link.up.flush();
        link.down.flush();
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const link of links) {
          link.client.destroy();
          link.upstream.destroy();
        }
        links.clear();
        server.close(() => resolve());
      }),
  };
}

export interface FreezableAzurite {
  proxy: FreezableProxy;
  /** Azurite's connection string with the table endpoint moved to the proxy. */
  connectionString: string;
  freeze(): void;
  thaw(): void;
  close(): Promise<void>;
}

/**
 * Puts a freezable proxy in front of a running Azurite: give `connectionString` to a store, a relay
 * (RELAY_CHECKPOINT_STORAGE) or a whole `run --once`, then `freeze()` it mid-use.
 */
export async function freezableAzurite(azurite: Azurite): Promise<FreezableAzurite> {
  const proxy = await startFreezableProxy(azurite.port);
  const connectionString = azurite.connectionString.replace(`127.0.0.1:${azurite.port}`, `127.0.0.1:${proxy.port}`);
  if (connectionString === azurite.connectionString) throw new Error('freezableAzurite: the table endpoint is not in the connection string');
  return { proxy, connectionString, freeze: () => proxy.freeze(), thaw: () => proxy.thaw(), close: () => proxy.close() };
}
