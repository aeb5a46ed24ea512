// Shapes of the Graph alerts_v2 simulator: options, faults, stats and the programmatic handle.
import type { GraphAlert } from '../../sources/graph/types.js';
import type { SimClock } from '../types.js';

/** One injected misbehaviour of the list endpoint. Opt-in, never by default. */
export type GraphFault =
  | { kind: 'status'; status: number; code?: string } // any status (5xx ...) with a Graph error body
  | { kind: 'html200' } // an HTML page with HTTP 200 (a proxy or portal page)
  | { kind: 'html500' } // an HTML page with HTTP 500
  | { kind: 'delay'; ms: number } // slow answer, then the normal answer
  | { kind: 'reset' } // connection destroyed before any answer
  | { kind: 'rateLimit'; retryAfterSeconds?: number } // 429 as if another app had used the quota (a storm: times N)
  | { kind: 'expiredLink' } // this request's $skiptoken is answered as expired (first pages pass untouched)
  | { kind: 'emptyWithNext' } // `value: []` with a nextLink that continues where this page would have started
  | { kind: 'loop'; back?: number } // the page is right, its nextLink points `back` pages earlier (1 = this page again)
  | { kind: 'transform'; apply: (body: Record<string, unknown>, req: GraphFaultRequest) => unknown }; // anything, as JSON

export interface GraphFaultRequest {
  /** true when the request carries a $skiptoken (a nextLink), false for a first page. */
  nextLink: boolean;
  /** Offset of the page in its result set. */
  offset: number;
  pageSize: number;
  filter: string | undefined;
  /** 1-based count of authenticated, unthrottled list requests, including this one. */
  seq: number;
}

export interface GraphQueuedFault {
  fault: GraphFault;
  /** How many requests it hits (default 1). */
  times?: number;
  /** Let this many matching requests pass first (default 0). */
  after?: number;
  /** Which requests it matches: first pages, nextLink pages or any (default: 'next' for expiredLink, else 'any'). */
  match?: 'first' | 'next' | 'any';
}

export interface GraphRateLimit {
  /** Requests per window per app per tenant (documented: 150 per minute for security alert operations). */
  requests: number;
  windowMs: number;
}

/** Changes a SOC makes to an alert after the fact (the PATCH /security/alerts_v2/{id} fields). */
export interface GraphAlertChanges {
  status?: 'new' | 'inProgress' | 'resolved' | string;
  classification?: string | null;
  determination?: string | null;
  assignedTo?: string | null;
  /** Appended to `comments`. */
  comment?: string;
}

export interface GraphSimulatorOptions {
  port?: number;
  /** Accepted bearer tokens, each with SecurityAlert.Read.All. Default ['graph-sim-token']. */
  tokens?: string[];
  /** Tokens that authenticate but lack the app role: 403 naming SecurityAlert.Read.All. */
  forbiddenTokens?: string[];
  /** Tenant the alerts and tokens belong to (alerts' tenantId, the throttling key). */
  tenantId?: string;
  /** Default 150 per 60 000 ms per token; `false` lifts the limit (benches). */
  rateLimit?: GraphRateLimit | false;
  /** Page size without $top, and the cap on $top (larger values are clamped). Default 1000. */
  pageSize?: number;
  /** Largest explicit $skip; above it, 400. Default 500 (the security API's documented constraint). */
  maxSkip?: number;
  /** A nextLink expires this long after it was issued (simulator clock). Default 10 minutes. */
  nextLinkTtlMs?: number;
  /**
   * 'snapshot' (default): a nextLink continues the result set as it was on the first page.
   * 'live': every page re-runs the query and skips `offset` rows, so alerts that change mid-read shift
   * the rest (an alert can be skipped or served twice: what a $skip-based service does).
   */
  paging?: 'snapshot' | 'live';
  /** Serve each result set in a random (seeded) order instead of most recent first. */
  shuffle?: boolean | { seed: number };
  /** Accept `serviceSource in ('a','b')` (not documented for alerts_v2; default refused with 400). */
  allowIn?: boolean;
  clock?: SimClock;
  alerts?: GraphAlert[];
  faultRule?: (req: GraphFaultRequest) => GraphFault | undefined;
}

export interface GraphSimulatorStats {
  /** Authenticated list requests (throttled ones included). */
  requests: number;
  firstPages: number;
  nextLinkPages: number;
  /** 429s because the limit was really exceeded. */
  provoked429: number;
  /** 429s sent by an injected rateLimit fault. */
  injected429: number;
  /** nextLinks answered as expired or unknown (injected or by age). */
  expiredLinks: number;
  faults: number;
  alertsServed: number;
  byStatus: Record<string, number>;
}

export interface GraphSimulator {
  /** Origin, e.g. http://127.0.0.1:41234 (GRAPH_ENDPOINT). */
  url: string;
  port: number;
  /** The first accepted token (GRAPH_TOKEN). */
  token: string;
  tenantId: string;
  readonly stats: GraphSimulatorStats;
  /** Adds (or replaces, by id) alerts as they are. */
  addAlerts(alerts: GraphAlert[]): void;
  /** Generates and adds `count` alerts (generateGraphAlerts options); returns them. */
  generate(count: number, options?: import('./fixtures.js').GraphGenerateOptions): GraphAlert[];
  /**
   * Late updates: applies `changes` to the alerts with these ids (or to `count` distinct alerts picked
   * by `seed`, optionally only of some products) and sets their lastUpdateDateTime to now. Returns them.
   */
  updateAlerts(target: string[] | { count: number; seed?: number; serviceSources?: string[] }, changes: GraphAlertChanges): GraphAlert[];
  /** Every stored alert, current version, most recent first. */
  all(): GraphAlert[];
  get(id: string): GraphAlert | undefined;
  /** Every nextLink issued so far stops working (the next request with one gets the expiry error). */
  expireNextLinks(): void;
  setNextLinkTtl(ms: number): void;
  setPaging(mode: 'snapshot' | 'live'): void;
  setShuffle(on: boolean | { seed: number }): void;
  setRateLimit(limit: GraphRateLimit | false): void;
  injectFault(fault: GraphFault, options?: Omit<GraphQueuedFault, 'fault'>): void;
  setFaultRule(rule: GraphSimulatorOptions['faultRule']): void;
  clearFaults(): void;
  resetStats(): void;
  close(): Promise<void>;
}
