// Senders and options several syslog suites share: loopback receivers, LF framing, short timeouts.
import { createSender } from '../../src/syslog/index.js';
import type { StatusSyslogSender, SyslogHost, SyslogOptions } from '../../src/syslog/types.js';

/** A plain TCP sender with one attempt per part; `cleanups` closes it after the test. */
export function tcpSender(hosts: SyslogHost[], cleanups: Array<() => Promise<unknown> | void>, extra: Partial<SyslogOptions> = {}): StatusSyslogSender {
  const s = createSender({
    protocol: 'tcp',
    hosts,
    framing: 'lf',
    connectTimeoutMs: 2_000,
    writeTimeoutMs: 5_000,
    udpMaxBytes: 2048,
    retry: { attempts: 1, initialDelayMs: 10, maxDelayMs: 50 },
    ...extra,
  });
  cleanups.push(() => s.close());
  return s;
}

/** RELP to 127.0.0.1:`port`, one attempt unless `extra` says otherwise. */
export function relpOptions(port: number, extra: Partial<SyslogOptions> = {}): SyslogOptions {
  return {
    protocol: 'relp',
    hosts: [{ host: '127.0.0.1', port }],
    framing: 'lf',
    connectTimeoutMs: 5_000,
    writeTimeoutMs: 10_000,
    udpMaxBytes: 2048,
    retry: { attempts: 1, initialDelayMs: 10, maxDelayMs: 10 },
    ...extra,
  };
}

/** Runs `fn` with `s`, then closes `s` whatever happened. */
export async function closing<T>(s: StatusSyslogSender, fn: (s: StatusSyslogSender) => Promise<T>): Promise<T> {
  try {
    return await fn(s);
  } finally {
    await s.close();
  }
}
