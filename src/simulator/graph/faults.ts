// Fault queue of the Graph simulator: one-shot (or N-times) faults matched to first pages, nextLink
// pages or any page, then an optional rule. Same idea as ../faults.ts, typed for alerts_v2.
import type { GraphFault, GraphFaultRequest, GraphQueuedFault } from './types.js';

type Queued = Required<Omit<GraphQueuedFault, 'match'>> & { match: 'first' | 'next' | 'any' };

export class GraphFaultBox {
  private queue: Queued[] = [];
  rule: ((req: GraphFaultRequest) => GraphFault | undefined) | undefined;

  push(fault: GraphFault, o: Omit<GraphQueuedFault, 'fault'> = {}): void {
    const match = o.match ?? (fault.kind === 'expiredLink' ? 'next' : 'any');
    this.queue.push({ fault, times: o.times ?? 1, after: o.after ?? 0, match });
  }

  clear(): void {
    this.queue = [];
    this.rule = undefined;
  }

  take(req: GraphFaultRequest): GraphFault | undefined {
    const i = this.queue.findIndex((q) => q.match === 'any' || (q.match === 'next') === req.nextLink);
    if (i >= 0) {
      const q = this.queue[i]!;
      if (q.after > 0) {
        q.after--;
        return this.rule?.(req);
      }
      if (--q.times <= 0) this.queue.splice(i, 1);
      return q.fault;
    }
    return this.rule?.(req);
  }
}
