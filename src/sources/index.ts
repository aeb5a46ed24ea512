// The source stage's entry for the pipeline: builds the source RELAY_SOURCE names (the Defender for Cloud
// Apps API or Microsoft Graph alerts_v2) with its client and CEF mapping, and probes it for `check`.
// Nothing above this module learns which one it got: it sees a Source (types.ts).
import type { CefWriter } from '../cef/index.js';
import type { RelayConfig } from '../config/types.js';
import type { TokenProvider } from '../secrets/types.js';
import { createGraphFormatter, DEFAULT_GRAPH_CEF_OPTIONS } from './graph/cef/index.js';
import { createGraphClient, GRAPH_ALERT_ROLE, type GraphClient, type GraphClientOptions } from './graph/client.js';
import { windowFilter } from './graph/query.js';
import { createGraphSource, type GraphSourceOptions } from './graph/source.js';
import { createFormatter } from './mdca/cef/index.js';
import { createMdcaClient, type MdcaClient } from './mdca/client.js';
import { createMdcaSource } from './mdca/source.js';
import { GRAPH_STREAM } from './graph/types.js';
import type { Source, Stream } from './types.js';

export type { Source, Stream, Cursor, Batch, RunHooks } from './types.js';

export interface SourceParts {
  /** The credential of the chosen API (the pipeline keeps it for redaction). */
  tokens: TokenProvider;
  /** The CEF core every record is written through. */
  writer: CefWriter;
  /** Graph only: reader and client tuning beyond the settings (tests and benchmarks). */
  graph?: { reader?: Partial<GraphSourceOptions>; client?: Partial<GraphClientOptions> };
}

export interface BuiltSource {
  source: Source;
  /** The API client, for its request statistics. */
  client: MdcaClient | GraphClient;
}

/** Who a Graph request budget belongs to: 150 requests per minute per app per tenant. */
function graphBudgetScope(config: RelayConfig): string {
  const auth = config.graph!.auth;
  if (auth.mode === 'client-secret' || auth.mode === 'client-certificate') return `${auth.tenantId}/${auth.clientId}`;
  if (auth.mode === 'managed-identity') return `managed-identity/${auth.clientId ?? 'system'}`;
  return 'static-token';
}

function graphClient(config: RelayConfig, tokens: TokenProvider, extra: Partial<GraphClientOptions> = {}): GraphClient {
  const graph = config.graph!;
  return createGraphClient({
    endpoint: graph.endpoint,
    tokenProvider: tokens,
    budgetScope: graphBudgetScope(config),
    proxy: graph.proxy,
    env: graph.proxyEnv,
    requestTimeoutMs: graph.requestTimeoutMs,
    requestsPerMinute: graph.requestsPerMinute,
    ...extra,
  });
}

function mdcaClient(config: RelayConfig, tokens: TokenProvider, probe = false): MdcaClient {
  return createMdcaClient({
    portalUrl: config.mdca.portalUrl,
    tokenProvider: tokens,
    proxy: config.mdca.proxy,
    env: config.mdca.proxyEnv,
    requestTimeoutMs: probe ? Math.min(config.mdca.requestTimeoutMs, 20_000) : config.mdca.requestTimeoutMs,
    requestsPerMinute: config.mdca.requestsPerMinute,
    ...(probe ? { retry: { maxAttempts: 2, baseMs: 200, capMs: 1_000 } } : {}),
  });
}

/** The source the configuration names, built once per process (its client holds the rate budget). */
export function createSource(config: RelayConfig, parts: SourceParts): BuiltSource {
  if (config.source === 'graph') {
    const graph = config.graph!;
    const client = graphClient(config, parts.tokens, parts.graph?.client);
    const formatter = createGraphFormatter({ ...DEFAULT_GRAPH_CEF_OPTIONS, compat: graph.cefCompat, severityMap: graph.cefSeverityMap }, parts.writer);
    const options: GraphSourceOptions = { serviceSources: graph.serviceSources, alertUpdates: graph.alertUpdates, settleMs: graph.settleMs, overlapMs: config.relay.overlapMs, ...parts.graph?.reader };
    return { source: createGraphSource(client, options, formatter), client };
  }
  const client = mdcaClient(config, parts.tokens);
  const source = createMdcaSource(client, { dataTypes: config.mdca.dataTypes, filters: config.mdca.filters, overlapMs: config.relay.overlapMs }, createFormatter(config.cef, parts.writer));
  return { source, client };
}

function describeServiceSources(config: RelayConfig): string {
  const s = config.graph!.serviceSources;
  return s === 'all' ? 'every serviceSource' : s.join(', ');
}

/** The streams (checkpoint rows) the configured source reads: what `createSource(config, ...).source.streams` holds. */
export function streamsOf(config: RelayConfig): readonly Stream[] {
  return config.source === 'graph' ? [GRAPH_STREAM] : config.mdca.dataTypes;
}

/** Where the configured source reads from, for messages (no credential in it). */
export function describeSource(config: RelayConfig): string {
  if (config.source === 'graph') {
    const g = config.graph!;
    return `Microsoft Graph alerts_v2 at ${g.endpoint} (${describeServiceSources(config)}${g.alertUpdates ? ', with updates' : ''})`;
  }
  return `${config.mdca.dataTypes.join('+')} from ${config.mdca.portalUrl}`;
}

/**
 * One request proving the API, the credential and its permission (`check`): few retries, so a wrong
 * endpoint fails in seconds. Graph: `$top=1` on the configured service sources; a 403 names the app role.
 */
export async function probeSource(config: RelayConfig, tokens: TokenProvider): Promise<string> {
  if (config.source === 'graph') {
    const client = graphClient(config, tokens, { requestTimeoutMs: Math.min(config.graph!.requestTimeoutMs, 20_000), retry: { maxAttempts: 2, baseMs: 200, capMs: 1_000 } });
    // The reader's own query shape (a created-time window on the configured products), one record.
    const page = await client.first({ filter: windowFilter('new', 0, Date.now(), config.graph!.serviceSources), top: 1 });
    return `${config.graph!.endpoint} answered: ${GRAPH_ALERT_ROLE} is granted (${page.alerts.length ? 'alerts are' : 'no alert is'} visible for ${describeServiceSources(config)})`;
  }
  const r = await mdcaClient(config, tokens, true).list('alerts', { filters: {}, limit: 1, sortField: 'date', sortDirection: 'desc' });
  return `${config.mdca.portalUrl} answered (${r.page.total ?? r.page.data.length} alerts visible)`;
}
