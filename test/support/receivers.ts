// The real syslog daemons every receiver-facing test runs against, by name (one list for all of them).
import type { Receiver, ReceiverOptions } from './daemon.js';
import { startRsyslog } from './rsyslog.js';
import { startSyslogNg } from './syslog-ng.js';

export const DAEMONS: ReadonlyArray<readonly [name: string, start: (o: ReceiverOptions) => Promise<Receiver>]> = [
  ['syslog-ng', startSyslogNg],
  ['rsyslog', startRsyslog],
];
