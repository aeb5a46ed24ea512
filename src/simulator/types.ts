// Shapes of the Defender for Cloud Apps API simulator: options, faults, stats.
import type { DataType, MdcaActivity, MdcaAlert } from '../sources/mdca/types.js';

export interface SimClock {
  now(): number;
}

/** One injected misbehaviour. Each mirrors something seen from the real service (mdca-api.md). */
export type Fault =
  | { kind: 'status'; status: number } // 5xx (or any status) with a JSON body
  | { kind: 'html500' } // HTTP 500 answered with an HTML portal page, as seen on long queries
  | { kind: 'delay'; ms: number } // slow answer (then the normal answer)
  | { kind: 'reset' } // connection reset before any answer
  | { kind: 'malformed' } // 200 with truncated JSON
  | { kind: 'shape' } // 200 with JSON of an unexpected shape
  | { kind: 'rateLimit'; retryAfterSeconds?: number } // 429 as if another client had used the quota
  // Hostile answers (issue 13): HTTP 200 that is not what it claims to be. Opt-in, never by default.
  | { kind: 'html200' } // the portal's HTML page with HTTP 200
  | { kind: 'raw'; status: number; contentType: string; body: string } // any body at all (empty, plain text ...)
  | { kind: 'emptyWithNext' } // `data: []` with `hasNext: true`
  | { kind: 'overLimit'; extra: number } // `extra` more records than the `limit` asked for (hasNext stays honest)
  | { kind: 'total'; value: number } // `total` replaced by `value` (e.g. smaller than the page itself)
  | { kind: 'truncate' } // `hasNext: false` although more records match (`total` stays honest)
  | { kind: 'duplicate'; index?: number } // data[index] (default 0) repeated right after itself, within the limit
  | { kind: 'missingField'; field: '_id' | 'timestamp'; index?: number } // that field deleted from data[index]
  | { kind: 'inject'; records: Array<MdcaAlert | MdcaActivity> } // phantom records appended to this page only
  | { kind: 'reverse' } // the page's records in descending order
  | { kind: 'ignoreIdFilter' } // this request's `id: {neq}` filter is ignored (then answered normally)
  | { kind: 'transform'; apply: (body: SimPage, req: FaultRequest) => unknown }; // anything else, as JSON

/** The list answer before a hostile fault reshapes it (mdca-api.md "Alerts list": Response). */
export interface SimPage {
  data: Array<Record<string, unknown>>;
  hasNext: boolean;
  total: number;
  max: number;
  moreThanTotal: boolean;
}

export interface FaultRequest {
  endpoint: DataType;
  method: string;
  limit: number;
  skip: number;
  body: Record<string, unknown>;
  /** 1-based count of requests on this endpoint, including this one. */
  seq: number;
}

export interface QueuedFault {
  fault: Fault;
  /** How many requests it hits (default 1). */
  times?: number;
  /** Only requests on this endpoint (default any). */
  endpoint?: DataType;
  /** Let this many matching requests pass untouched first (default 0): "the 3rd page of the run". */
  after?: number;
}

export interface RateLimitOptions {
  /** Requests allowed per window per token, all endpoints together (documented: 30 per minute). */
  requests: number;
  windowMs: number;
  /** Send `Retry-After` (whole seconds until a slot frees) with 429s. */
  retryAfter?: boolean;
}

export interface SimulatorOptions {
  port?: number; // default: a free port
  /** Accepted API tokens (`Token <t>` or `Bearer <t>`). Default ['sim-token']. */
  tokens?: string[];
  /** Tokens that authenticate but lack permission: 403. */
  forbiddenTokens?: string[];
  /** Default 30 per 60 000 ms; `false` disables. */
  rateLimit?: RateLimitOptions | false;
  /** Largest page served; default 100 (documented for token requests). */
  maxLimit?: number;
  clock?: SimClock;
  /** Return records that share a sort key in a different order on every request. */
  shuffleTies?: boolean;
  /** Persistent switch: a page with limit above this fails with HTTP 500 ("large page fails"). */
  failLimitAbove?: number;
  /**
   * Persistent switch: the `id: {neq}` filter is ignored on every request (a service that does not
   * honour the exclusion the reader's tie-break relies on). Default false: honoured, as documented.
   */
  ignoreIdExclusion?: boolean;
  /** Called for every authenticated request; a fault it returns is applied. */
  faultRule?: (req: FaultRequest) => Fault | undefined;
  alerts?: MdcaAlert[];
  activities?: MdcaActivity[];
  /** Load src/simulator/data/seed-alerts.json (the values behind the seed's sample lines) when present. */
  includeSeedAlerts?: boolean;
  /** Used in generated alert URLs. */
  portalName?: string;
}

export interface SimulatorStats {
  requests: number;
  /** 429s sent because the rate limit was really exceeded (not injected). */
  provoked429: number;
  /** 429s sent by an injected rateLimit fault. */
  injected429: number;
  faults: number;
  byEndpoint: Record<DataType, number>;
  byStatus: Record<string, number>;
}

export interface Simulator {
  url: string;
  port: number;
  stats: SimulatorStats;
  addAlerts(alerts: MdcaAlert[], options?: { visibleAt?: number }): void;
  addActivities(activities: MdcaActivity[], options?: { visibleAt?: number }): void;
  /** Queue faults; each request consumes the first matching one. */
  injectFault(fault: Fault, options?: Omit<QueuedFault, 'fault'>): void;
  setFaultRule(rule: SimulatorOptions['faultRule']): void;
  setFailLimitAbove(limit: number | undefined): void;
  setIgnoreIdExclusion(on: boolean): void;
  clearFaults(): void;
  resetStats(): void;
  /** Every record currently stored (visible or not), for assertions. */
  all(dataType: DataType): Array<MdcaAlert | MdcaActivity>;
  close(): Promise<void>;
}
