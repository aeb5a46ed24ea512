// The sender's health as status() reports it, and the outage / recovered events: the same for
// every transport (tcp/tls/udp in index.ts, RELP in relp/sender.ts).
import { describeError, type RelayError } from '../errors.js';
import type { SenderEvent, SenderStatus, SyslogHost } from './types.js';

export class SenderHealth {
  private st: Omit<SenderStatus, 'hosts'> = { state: 'unknown', consecutiveFailures: 0, outages: 0 };
  private downSince = 0;

  constructor(
    private readonly now: () => number,
    private readonly onEvent?: (event: SenderEvent) => void,
  ) {}

  get state(): Omit<SenderStatus, 'hosts'> {
    return this.st;
  }

  /** A batch (or part) was delivered to `host`. */
  succeeded(host: SyslogHost): void {
    const t = this.now();
    if (this.st.state === 'down') this.onEvent?.({ type: 'recovered', host, downForMs: t - this.downSince });
    this.st = { ...this.st, state: 'up', lastSuccessAt: t, consecutiveFailures: 0, activeHost: host };
  }

  /** A delivery failed for good: the first failure after a success starts an outage. */
  failed(err: RelayError): void {
    const t = this.now();
    const error = describeError(err);
    let outages = this.st.outages;
    if (this.st.state !== 'down') {
      this.downSince = t;
      outages++;
      this.onEvent?.({ type: 'outage', error });
    }
    this.st = { ...this.st, state: 'down', lastFailureAt: t, lastError: error, outages, consecutiveFailures: this.st.consecutiveFailures + 1 };
  }
}
