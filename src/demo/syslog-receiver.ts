// A minimal TCP syslog receiver for the demo (no daemon to install): LF-framed lines appended to a
// file; it answers the sender's half-close with its own close, which is how the relay confirms
// delivery. Tests use real rsyslog and syslog-ng instead.
import { appendFileSync } from 'node:fs';
import net from 'node:net';

export interface DemoReceiver {
  port: number;
  file: string;
  received(): number;
  close(): Promise<void>;
}

export async function startDemoReceiver(file: string, port = 0): Promise<DemoReceiver> {
  let count = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    let pending = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      pending += chunk;
      const cut = pending.lastIndexOf('\n');
      if (cut < 0) return;
      const lines = pending.slice(0, cut + 1);
      pending = pending.slice(cut + 1);
      count += lines.split('\n').length - 1;
      appendFileSync(file, lines);
    });
    socket.on('end', () => {
      if (pending) {
        appendFileSync(file, pending + '\n');
        count += 1;
      }
      socket.end();
    });
    socket.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    file,
    received: () => count,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy(); // a sender's idle kept connection must not hold us open
      }),
  };
}
