// Fault injection of the simulator: a queue of one-shot faults plus an optional rule, consulted per
// request, and the hostile page rewrites (issue 13) applied to an otherwise correct answer.
import type { Fault, FaultRequest, QueuedFault, SimPage } from './types.js';

type Queued = QueuedFault & { times: number; after: number };

export class FaultBox {
  private queue: Queued[] = [];
  rule: ((req: FaultRequest) => Fault | undefined) | undefined;
  failLimitAbove: number | undefined;
  ignoreIdExclusion = false;

  push(fault: Fault, options: Omit<QueuedFault, 'fault'> = {}): void {
    this.queue.push({ fault, times: options.times ?? 1, endpoint: options.endpoint, after: options.after ?? 0 });
  }

  /** The API "recovers": every queued fault, the rule and both persistent switches are dropped. */
  clear(): void {
    this.queue = [];
    this.rule = undefined;
    this.failLimitAbove = undefined;
    this.ignoreIdExclusion = false;
  }

  /** The fault for this request, if any: the persistent large-page switch, then the queue, then the rule. */
  take(req: FaultRequest): Fault | undefined {
    if (this.failLimitAbove !== undefined && req.limit > this.failLimitAbove) return { kind: 'html500' };
    const i = this.queue.findIndex((q) => q.endpoint === undefined || q.endpoint === req.endpoint);
    if (i >= 0) {
      const q = this.queue[i]!;
      if (q.after > 0) {
        q.after--; // this request passes; the fault waits for a later one
        return this.rule?.(req);
      }
      if (--q.times <= 0) this.queue.splice(i, 1);
      return q.fault;
    }
    return this.rule?.(req);
  }
}

/** Whether a fault rewrites the correct answer (true) rather than replacing it (status, reset ...). */
export function rewritesPage(fault: Fault): boolean {
  return ['emptyWithNext', 'overLimit', 'total', 'truncate', 'duplicate', 'missingField', 'inject', 'reverse', 'transform'].includes(fault.kind);
}

/** Applies a page-rewriting fault to the correct answer; `wider` answers the same query with `limit + extra` (overLimit). */
export function rewritePage(fault: Fault, page: SimPage, req: FaultRequest, wider: () => SimPage): unknown {
  const data = [...page.data];
  switch (fault.kind) {
    case 'emptyWithNext':
      return { ...page, data: [], hasNext: true };
    case 'overLimit':
      return wider();
    case 'total':
      return { ...page, total: fault.value };
    case 'truncate':
      return { ...page, hasNext: false };
    case 'duplicate': {
      // Within the limit asked for: the page's last record gives way (it comes first on the next page).
      const i = Math.min(fault.index ?? 0, data.length - 1);
      if (i < 0) return page;
      data.splice(i + 1, 0, structuredClone(data[i]!));
      if (data.length <= req.limit) return { ...page, data };
      data.pop();
      return { ...page, data, hasNext: true };
    }
    case 'missingField': {
      const i = Math.min(fault.index ?? 0, data.length - 1);
      if (i >= 0) {
        const copy = structuredClone(data[i]!);
        delete copy[fault.field];
        data[i] = copy;
      }
      return { ...page, data };
    }
    case 'inject':
      return { ...page, data: [...data, ...fault.records.map((r) => structuredClone(r) as Record<string, unknown>)] };
    case 'reverse':
      return { ...page, data: data.reverse() };
    case 'transform':
      return fault.apply(structuredClone(page), req);
    default:
      return page;
  }
}

/** The HTML page the portal serves on some failed long queries (mdca-api.md, "Throttling and paging"). */
export const HTML_ERROR_PAGE = `<!DOCTYPE html>
<html><head><title>Microsoft Defender for Cloud Apps</title></head>
<body><h1>Something went wrong</h1><p>An unexpected error occurred. Please try again later.</p></body></html>
`;
