// The transport matrix against real receivers: {tcp-lf, tcp-octet, tls, udp} x {rsyslog, syslog-ng},
// 10,000 events each, all arriving intact, in order, with the PRI and header as sent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSender } from '../../src/syslog/index.js';
import type { SyslogOptions } from '../../src/syslog/types.js';
import { DAEMONS } from '../support/receivers.js';
import { parseReceivedLine, type Receiver, type ReceiverMode } from '../support/daemon.js';
import { createTlsFiles, type TlsFiles } from '../support/tls-certs.js';
import { testEvents } from './events.js';

const TOTAL = 10_000;

let pki: TlsFiles;
beforeAll(async () => {
  pki = await createTlsFiles();
});
afterAll(async () => pki?.cleanup());

function optionsFor(mode: ReceiverMode, r: Receiver): SyslogOptions {
  return {
    protocol: mode === 'udp' ? 'udp' : mode === 'tls' ? 'tls' : 'tcp',
    hosts: [{ host: r.host, port: r.port }],
    framing: mode === 'tcp-lf' ? 'lf' : 'octet-counting',
    connectTimeoutMs: 5_000,
    writeTimeoutMs: 10_000,
    udpMaxBytes: 2048,
    ...(mode === 'tls' ? { tls: { ca: pki.ca } } : {}),
  };
}

const daemons = DAEMONS;

for (const [name, start] of daemons) {
  describe(`delivery to ${name}`, () => {
    for (const mode of ['tcp-lf', 'tcp-octet', 'tls', 'udp'] as const) {
      it(`delivers ${TOTAL} events over ${mode} intact and in order`, async () => {
        const receiver = await start({ mode, tls: pki });
        const sender = createSender(optionsFor(mode, receiver));
        const events = testEvents(0, TOTAL, mode);
        try {
          // UDP has no flow control: pace batches by what the receiver wrote, so the test checks
          // framing and order rather than the kernel's receive buffer.
          const batch = mode === 'udp' ? 250 : 1000;
          for (let i = 0; i < TOTAL; i += batch) {
            const report = await sender.deliver(events.slice(i, i + batch).map((e) => e.line));
            expect(report.delivered).toBe(Math.min(batch, TOTAL - i));
            expect(report.confirmed).toBe(mode !== 'udp');
            if (mode === 'udp') await receiver.waitForLines(i + report.delivered, 10_000);
          }
          const lines = await receiver.waitForLines(TOTAL, 20_000);
          expect(lines.length).toBe(TOTAL);
          const got = lines.map(parseReceivedLine);
          // Compare field by field, reporting the first mismatch rather than a 10,000-line diff.
          for (let i = 0; i < TOTAL; i++) {
            const e = events[i]!;
            const g = got[i]!;
            if (g.pri !== e.pri || g.host !== e.host || g.app !== e.app || g.msg !== e.msg) {
              expect({ index: i, ...g }).toEqual({ index: i, pri: e.pri, facility: g.facility, severity: g.severity, host: e.host, app: e.app, msg: e.msg });
            }
          }
        } finally {
          await sender.close();
          await receiver.stop();
        }
      });
    }
  });
}
