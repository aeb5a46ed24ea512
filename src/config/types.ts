// The validated configuration every entry point builds once and hands to the pipeline.
import type { CefOptions } from '../cef/types.js';
import type { DataType } from '../sources/mdca/types.js';
import type { SyslogOptions } from '../syslog/types.js';

export type AuthConfig =
  | { mode: 'token'; token?: string; secretUri?: string }
  | { mode: 'entra'; clientId?: string };

export type StateConfig =
  | { kind: 'directory'; dir: string }
  | { kind: 'table'; tableName: string; connectionString?: string; tableServiceUri?: string; clientId?: string };

/** Which API the relay reads (RELAY_SOURCE). */
export type SourceKind = 'mdca' | 'graph';

/** How the Graph source gets its app-only token (docs/graph.md). */
export type GraphAuthConfig =
  | { mode: 'token'; token: string }
  | { mode: 'managed-identity'; clientId?: string }
  | { mode: 'client-secret'; tenantId: string; clientId: string; secretUri: string }
  | { mode: 'client-certificate'; tenantId: string; clientId: string; certificateUri: string };

export interface GraphConfig {
  /** Service root without path, e.g. https://graph.microsoft.com. */
  endpoint: string;
  /** Entra authority host for application credentials, e.g. https://login.microsoftonline.com. */
  authorityHost: string;
  /** `<endpoint>/.default`. */
  scope: string;
  auth: GraphAuthConfig;
  /** serviceSource values to relay, or every one. */
  serviceSources: string[] | 'all';
  /** Send updates of alerts already sent (status, classification, determination, assignment). */
  alertUpdates: boolean;
  /** Defender for Cloud Apps alerts written as the legacy source wrote them. */
  cefCompat: boolean;
  /** GRAPH_CEF_SEVERITY_MAP: Graph severity → CEF severity (the Graph mapping; compat mode keeps the legacy map). */
  cefSeverityMap: Record<'informational' | 'low' | 'medium' | 'high' | 'unknown', number>;
  requestsPerMinute: number;
  requestTimeoutMs: number;
  /** A window ends this long before the read starts (GRAPH_SETTLE_MARGIN). */
  settleMs: number;
  /** MDCA_PROXY (--proxy): the forward proxy, whichever the source. */
  proxy?: string;
  proxyEnv: Record<string, string | undefined>;
}

export interface RelayConfig {
  relayName: string;
  /** `mdca` (default) or `graph`: which of `mdca` / `graph` below the relay reads. */
  source: SourceKind;
  /** Present when source is `graph`. */
  graph?: GraphConfig;
  /** Always present (the legacy source's settings); portalUrl is '' when source is `graph`. */
  mdca: {
    portalUrl: string;
    auth: AuthConfig;
    dataTypes: DataType[];
    filters: Record<DataType, Record<string, Record<string, unknown>>>;
    requestsPerMinute: number;
    requestTimeoutMs: number;
    /** MDCA_PROXY (the jar's --proxy): overrides the standard variables below. */
    proxy?: string;
    /** HTTPS_PROXY / HTTP_PROXY / NO_PROXY as set, for the client's own proxy selection. */
    proxyEnv: Record<string, string | undefined>;
  };
  syslog: SyslogOptions;
  cef: CefOptions;
  relay: {
    schedule: string;
    initialLookbackMs: number;
    overlapMs: number;
    timeBudgetShare: number;
    leaseMs: number;
    /** Most batches in delivery at once (RELAY_DELIVERY_WINDOW); also the most pages a crash re-sends. */
    deliveryWindow: number;
    heartbeatIntervalMs: number;
  };
  state: StateConfig;
  logsDir?: string;
}
