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

export interface RelayConfig {
  relayName: string;
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
    heartbeatIntervalMs: number;
  };
  state: StateConfig;
  logsDir?: string;
}
