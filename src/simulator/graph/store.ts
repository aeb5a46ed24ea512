// In-memory alert store of the Graph simulator: the current version of each alert by id. An update
// replaces the object (never mutates it), so a result-set snapshot held by a nextLink keeps the
// version it served.
import type { GraphAlert } from '../../sources/graph/types.js';
import type { GraphAlertChanges } from './types.js';
import { canonicalTime, graphTime } from './times.js';

/** Sort key of a timestamp: its canonical 7-digit form (alerts added by hand may carry fewer digits). */
const key = (t: string) => canonicalTime(t) ?? t;

export class AlertStore {
  private readonly byId = new Map<string, GraphAlert>();
  private ordered: GraphAlert[] | undefined;

  put(alerts: GraphAlert[]): void {
    for (const a of alerts) {
      if (typeof a.id !== 'string' || typeof a.createdDateTime !== 'string' || typeof a.lastUpdateDateTime !== 'string') {
        throw new Error('graph simulator: every alert needs a string id, createdDateTime and lastUpdateDateTime');
      }
      this.byId.set(a.id, structuredClone(a));
    }
    this.ordered = undefined;
  }

  get(id: string): GraphAlert | undefined {
    return this.byId.get(id);
  }

  /** Most recent first (createdDateTime, then id, descending): the service's documented default. */
  list(): GraphAlert[] {
    this.ordered ??= [...this.byId.values()]
      .map((a) => ({ a, k: key(a.createdDateTime) }))
      .sort((x, y) => (x.k === y.k ? (x.a.id < y.a.id ? 1 : -1) : x.k < y.k ? 1 : -1))
      .map((x) => x.a);
    return this.ordered;
  }

  /** Applies SOC changes to one alert at `nowMs`; the new version replaces the old object. */
  update(id: string, changes: GraphAlertChanges, nowMs: number): GraphAlert {
    const old = this.byId.get(id);
    if (!old) throw new Error(`graph simulator: no alert with id ${id}`);
    const now = graphTime(nowMs);
    const next: GraphAlert = structuredClone(old);
    if (changes.status !== undefined) {
      next.status = changes.status;
      next.resolvedDateTime = changes.status === 'resolved' ? now : null;
    }
    if (changes.classification !== undefined) next.classification = changes.classification;
    if (changes.determination !== undefined) next.determination = changes.determination;
    if (changes.assignedTo !== undefined) next.assignedTo = changes.assignedTo;
    if (changes.comment !== undefined) {
      next.comments = [...(next.comments ?? []), { comment: changes.comment, createdByDisplayName: changes.assignedTo ?? 'SOC analyst', createdDateTime: now }];
    }
    // lastUpdateDateTime only moves forward, even when the clock says otherwise.
    next.lastUpdateDateTime = now > key(old.lastUpdateDateTime) ? now : old.lastUpdateDateTime;
    this.byId.set(id, next);
    this.ordered = undefined;
    return next;
  }

  get size(): number {
    return this.byId.size;
  }
}
