// Fault injection of the simulator: a queue of one-shot faults plus an optional rule, consulted per request.
import type { Fault, FaultRequest, QueuedFault } from './types.js';

export class FaultBox {
  private queue: Array<Required<Pick<QueuedFault, 'times'>> & QueuedFault> = [];
  rule: ((req: FaultRequest) => Fault | undefined) | undefined;
  failLimitAbove: number | undefined;

  push(fault: Fault, options: Omit<QueuedFault, 'fault'> = {}): void {
    this.queue.push({ fault, times: options.times ?? 1, endpoint: options.endpoint });
  }

  clear(): void {
    this.queue = [];
    this.rule = undefined;
    this.failLimitAbove = undefined;
  }

  /** The fault for this request, if any: the persistent large-page switch, then the queue, then the rule. */
  take(req: FaultRequest): Fault | undefined {
    if (this.failLimitAbove !== undefined && req.limit > this.failLimitAbove) return { kind: 'html500' };
    const i = this.queue.findIndex((q) => q.endpoint === undefined || q.endpoint === req.endpoint);
    if (i >= 0) {
      const q = this.queue[i]!;
      if (--q.times <= 0) this.queue.splice(i, 1);
      return q.fault;
    }
    return this.rule?.(req);
  }
}

/** The HTML page the portal serves on some failed long queries (mdca-api.md, "Throttling and paging"). */
export const HTML_ERROR_PAGE = `<!DOCTYPE html>
<html><head><title>Microsoft Defender for Cloud Apps</title></head>
<body><h1>Something went wrong</h1><p>An unexpected error occurred. Please try again later.</p></body></html>
`;
