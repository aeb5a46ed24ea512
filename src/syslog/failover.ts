// The ordered host list with per-host backoff: which receivers to try now, and in what order.
import { backoffDelay } from './backoff.js';
import type { HostStatus, RetryPolicy, SyslogHost } from './types.js';

interface HostState {
  host: SyslogHost;
  failures: number;
  retryAt: number;
  lastError?: string;
  lastFailureAt?: number;
  lastSuccessAt?: number;
}

export class HostPool {
  private readonly states: HostState[];

  constructor(
    hosts: readonly SyslogHost[],
    private readonly policy: RetryPolicy,
    private readonly now: () => number,
    private readonly random: () => number = Math.random,
  ) {
    this.states = hosts.map((host) => ({ host: { host: host.host, port: host.port }, failures: 0, retryAt: 0 }));
  }

  /** Hosts out of backoff, in the configured order: the first one up always wins (fail-back included). */
  ready(): Array<{ index: number; host: SyslogHost }> {
    const t = this.now();
    return this.states.flatMap((s, index) => (s.retryAt <= t ? [{ index, host: s.host }] : []));
  }

  /** Milliseconds until the first host leaves its backoff (0 if one is ready). */
  msUntilReady(): number {
    const t = this.now();
    return Math.max(0, Math.min(...this.states.map((s) => s.retryAt - t)));
  }

  succeeded(index: number): void {
    const s = this.states[index]!;
    s.failures = 0;
    s.retryAt = 0;
    s.lastSuccessAt = this.now();
  }

  /** Records a failure and returns the backoff before this host is tried again. */
  failed(index: number, error: string): number {
    const s = this.states[index]!;
    s.failures++;
    const wait = backoffDelay(s.failures, this.policy, this.random);
    const t = this.now();
    s.retryAt = t + wait;
    s.lastError = error;
    s.lastFailureAt = t;
    return wait;
  }

  host(index: number): SyslogHost {
    return this.states[index]!.host;
  }

  snapshot(): HostStatus[] {
    const t = this.now();
    return this.states.map((s) => ({
      host: s.host.host,
      port: s.host.port,
      consecutiveFailures: s.failures,
      ...(s.lastError !== undefined ? { lastError: s.lastError } : {}),
      ...(s.lastFailureAt !== undefined ? { lastFailureAt: s.lastFailureAt } : {}),
      ...(s.lastSuccessAt !== undefined ? { lastSuccessAt: s.lastSuccessAt } : {}),
      ...(s.retryAt > t ? { retryAt: s.retryAt } : {}),
    }));
  }
}
