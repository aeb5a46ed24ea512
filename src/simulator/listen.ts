// The simulators' HTTP server: on 127.0.0.1, a handler that throws answers 500 (the body each API
// gives), keep-alive like a service, and a close that drops open connections.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LocalServer {
  port: number;
  close(): Promise<void>;
}

export async function listenLocal(
  port: number | undefined,
  handle: (req: http.IncomingMessage, res: http.ServerResponse) => Promise<unknown>,
  onError: (res: http.ServerResponse, err: unknown) => void,
): Promise<LocalServer> {
  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) onError(res, err);
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port ?? 0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
