// The daemon harnesses themselves: each receiver, in each mode, writes what a plain client sent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import net from 'node:net';
import tls from 'node:tls';
import dgram from 'node:dgram';
import { DAEMONS } from '../support/receivers.js';
import { parseReceivedLine, type Receiver, type ReceiverMode } from '../support/daemon.js';
import { createTlsFiles, type TlsFiles } from '../support/tls-certs.js';

const msgs = ['<164>Jan  2 03:04:05 host-a app-a: CEF:0|MCAS|SIEM_Agent|1|a|first|3|msg=one', '<165>1 2024-01-01T00:00:00.000Z host-b app-b - - - CEF:0|MCAS|SIEM_Agent|1|b|second|5|'];

function frame(mode: ReceiverMode, m: string): string {
  return mode === 'tcp-lf' ? `${m}\n` : `${Buffer.byteLength(m)} ${m}`;
}

async function sendPlain(r: Receiver, mode: ReceiverMode, files: TlsFiles): Promise<void> {
  if (mode === 'udp') {
    const s = dgram.createSocket('udp4');
    for (const m of msgs) await new Promise<void>((res, rej) => s.send(m, r.port, r.host, (e) => (e ? rej(e) : res())));
    s.close();
    return;
  }
  const sock = mode === 'tls' ? tls.connect({ host: r.host, port: r.port, ca: files.ca, servername: 'localhost' }) : net.connect(r.port, r.host);
  await new Promise<void>((res, rej) => {
    sock.once('error', rej);
    sock.once(mode === 'tls' ? 'secureConnect' : 'connect', () => res());
  });
  sock.end(msgs.map((m) => frame(mode, m)).join(''));
  await new Promise<void>((res) => sock.once('close', () => res()));
}

let files: TlsFiles;
beforeAll(async () => {
  files = await createTlsFiles();
});
afterAll(async () => files?.cleanup());

const daemons = DAEMONS;
for (const [name, start] of daemons) {
  describe(`${name} harness`, () => {
    for (const mode of ['tcp-lf', 'tcp-octet', 'tls', 'udp'] as const) {
      it(`writes parsed header fields and raw bytes for ${mode}`, async () => {
        const parsed = await start({ mode, tls: files });
        const raw = await start({ mode, tls: files, raw: true });
        try {
          await sendPlain(parsed, mode, files);
          await sendPlain(raw, mode, files);
          const p = (await parsed.waitForLines(2, 10_000)).map(parseReceivedLine);
          expect(p.map((e) => [e.pri, e.facility, e.severity, e.host, e.app])).toEqual([
            [164, 'local4', 'warning', 'host-a', 'app-a'],
            [165, 'local4', 'notice', 'host-b', 'app-b'],
          ]);
          expect(p.map((e) => e.msg)).toEqual(['CEF:0|MCAS|SIEM_Agent|1|a|first|3|msg=one', 'CEF:0|MCAS|SIEM_Agent|1|b|second|5|']);
          expect(await raw.waitForLines(2, 10_000)).toEqual(msgs);
        } finally {
          await parsed.stop();
          await raw.stop();
        }
      });
    }
  });
}
