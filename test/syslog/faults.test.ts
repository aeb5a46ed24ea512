// Receivers that die, restart, stall or reset: the sender never crashes, never reports a batch
// delivered that the receiver did not take, and shows the outage in its status.
import { describe, expect, it } from 'vitest';
import { isRelayError } from '../../src/errors.js';
import { createSender } from '../../src/syslog/index.js';
import type { SyslogOptions } from '../../src/syslog/types.js';
import { DAEMONS } from '../support/receivers.js';
import type { Receiver } from '../support/daemon.js';
import { seqOf, testEvents } from './events.js';

const BATCH = 200;
const KILLS = 10;

function opts(r: Receiver): SyslogOptions {
  return {
    protocol: 'tcp',
    hosts: [{ host: r.host, port: r.port }],
    framing: 'octet-counting',
    connectTimeoutMs: 2_000,
    writeTimeoutMs: 3_000,
    udpMaxBytes: 2048,
    retry: { attempts: 1, initialDelayMs: 20, maxDelayMs: 200 },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const daemons = DAEMONS;

for (const [name, start] of daemons) {
  describe(`${name} killed and restarted ${KILLS} times mid-stream`, () => {
    it('never loses a batch that deliver() reported delivered, and reports the outage', async () => {
      const receiver = await start({ mode: 'tcp-octet', raw: true });
      const sender = createSender(opts(receiver));
      const confirmed: number[] = []; // first sequence number of each confirmed batch
      const confirmTimes = new Map<number, number>();
      const killTimes: number[] = [];
      let failures = 0;
      let killing = true;
      let sawDown = false;

      const killer = (async () => {
        for (let k = 0; k < KILLS; k++) {
          await sleep(80 + Math.random() * 160);
          killTimes.push(performance.now());
          await receiver.kill(); // SIGKILL: no graceful shutdown, no flush
          await sleep(30 + Math.random() * 100);
          await receiver.restart();
        }
        killing = false;
      })();

      let next = 0;
      // Keep streaming while the killer works, then a few more batches after the last restart.
      for (let after = 0; killing || after < 5; ) {
        const lines = testEvents(next, BATCH, 'fault').map((e) => e.line);
        try {
          await sender.deliver(lines);
          confirmed.push(next);
          confirmTimes.set(next, performance.now());
          next += BATCH;
          if (!killing) after++;
        } catch (err) {
          // The pipeline's behaviour: keep the batch, retry it later (at least once).
          expect(isRelayError(err)).toBe(true);
          failures++;
          if (sender.status().state === 'down') sawDown = true;
          await sleep(20);
        }
      }
      await killer;

      const received = new Set<number>();
      // Everything confirmed must be in the file; allow the daemon a moment to write the last batch.
      const deadline = Date.now() + 10_000;
      let missing: number[];
      for (;;) {
        received.clear();
        for (const l of await receiver.lines()) {
          const s = seqOf(l, 'fault');
          if (s !== undefined) received.add(s);
        }
        missing = confirmed.flatMap((first) => Array.from({ length: BATCH }, (_, k) => first + k)).filter((s) => !received.has(s));
        if (missing.length === 0 || Date.now() > deadline) break;
        await sleep(100);
      }
      await sender.close();
      await receiver.stop();

      // On failure, say how far each lost batch's confirmation was from the kills.
      const lost = [...new Set(missing.map((m) => m - (m % BATCH)))].map((b) => {
        const t = confirmTimes.get(b)!;
        return `batch ${b}: ${missing.filter((m) => m - (m % BATCH) === b).length} missing; kills at ${killTimes.map((k) => (k - t).toFixed(1)).join(', ')} ms from its confirmation`;
      });
      expect(confirmed.length).toBeGreaterThan(5); // the stream did move on through the kills
      expect(lost).toEqual([]);
      expect(received.size).toBeGreaterThanOrEqual(confirmed.length * BATCH);
      expect(failures).toBeGreaterThan(0); // the kills did hit the stream
      expect(sawDown).toBe(true);
      const st = sender.status();
      expect(st.outages).toBeGreaterThan(0);
      expect(st.state).toBe('up');
      console.log(`${name}: ${confirmed.length} batches confirmed, ${failures} failed attempts, ${st.outages} outages, ${received.size} distinct events in file`);
    });
  });
}
