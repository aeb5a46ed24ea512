// Wires the stages from a validated configuration, once per process: the entry points (Function,
// CLI) call this and nothing below it. Parts that cache (the token, the rate limiter) live here.
import { randomUUID } from 'node:crypto';
import { createCefWriter, type CefWriter } from '../cef/index.js';
import type { RelayConfig } from '../config/types.js';
import { createSource, type BuiltSource, type SourceParts } from '../sources/index.js';
import { createMdcaClient, type MdcaClient } from '../sources/mdca/client.js';
import type { Source, Stream as DataType } from '../sources/types.js';
import type { Logger } from '../ops/logger.js';
import { createGraphTokenProvider, type GraphTokenProviderOptions } from '../secrets/graph-token.js';
import { createTokenProvider, type TokenProviderOptions } from '../secrets/provider.js';
import type { TokenProvider } from '../secrets/types.js';
import { FileStateStore } from '../state/file-store.js';
import { runnerIdentity } from '../state/keeper.js';
import { TableStateStore } from '../state/table-store.js';
import type { StateStore } from '../state/types.js';
import { createSender } from '../syslog/index.js';
import type { SyslogSender } from '../syslog/types.js';
import { replayRange } from './replay.js';
import { runRelay, type RunSummary } from './run.js';

export interface RelayOverrides {
  store?: StateStore;
  tokens?: TokenProvider;
  sender?: SyslogSender;
  /** Extra options for the token provider (tests: a local Key Vault's client options). */
  tokenOptions?: Partial<TokenProviderOptions>;
  /** RELAY_SOURCE=graph: extra token provider options (tests: a local Key Vault and Entra endpoint). */
  graphTokenOptions?: Partial<GraphTokenProviderOptions>;
  /** RELAY_SOURCE=graph: reader and client tuning beyond the settings (tests, benchmarks). */
  graph?: SourceParts['graph'];
  now?: () => number;
}

export interface Relay {
  readonly config: RelayConfig;
  readonly store: StateStore;
  readonly tokens: TokenProvider;
  /** The source's API client (request statistics). */
  readonly client: BuiltSource['client'];
  readonly sender: SyslogSender;
  readonly source: Source;
  /** The CEF writer: the relay's own events (heartbeat, check's test event). */
  readonly writer: CefWriter;
  /** `deadline`: no new batch after it (default 8 min from now); `hardDeadline`: in-flight work is aborted (default 1 min later). */
  run(options: { logger: Logger; deadline?: number; hardDeadline?: number; shouldStop?: () => boolean; onProgress?: Parameters<typeof runRelay>[0]['onProgress'] }): Promise<RunSummary>;
  replay(options: { logger: Logger; from: number; to: number; dataTypes?: DataType[]; onProgress?: Parameters<typeof replayRange>[0]['onProgress'] }): Promise<{ sent: number; requests: number }>;
  close(): Promise<void>;
}

/** A run's budget when the caller gives none (the CLI): host.json's functionTimeout (10 min) x 0.8. */
const DEFAULT_RUN_BUDGET_MS = 8 * 60_000;
/** After the budget, how long a batch in flight may still finish before it is aborted. */
const HARD_STOP_AFTER_MS = 60_000;

export function createStore(config: RelayConfig): StateStore {
  return config.state.kind === 'directory'
    ? new FileStateStore(config.state.dir, config.relayName)
    : new TableStateStore({ ...config.state, relayName: config.relayName });
}

export function createTokens(config: RelayConfig, extra: Partial<TokenProviderOptions> = {}, graphExtra: Partial<GraphTokenProviderOptions> = {}): TokenProvider {
  const graph = config.graph;
  if (config.source === 'graph' && graph) return createGraphTokenProvider({ auth: graph.auth, scope: graph.scope, authorityHost: graph.authorityHost, ...graphExtra });
  const auth = config.mdca.auth;
  return createTokenProvider(
    auth.mode === 'entra'
      ? { auth: 'entra', clientId: auth.clientId, ...extra }
      : { auth: 'token', token: auth.token, secretUri: auth.secretUri, clientId: extra.clientId, ...extra },
  );
}

/** A client for one-off probes (check, rotate-token): few retries, so a wrong URL fails in seconds. */
export function createProbeClient(config: RelayConfig, tokenProvider: TokenProvider): MdcaClient {
  return createMdcaClient({
    portalUrl: config.mdca.portalUrl,
    tokenProvider,
    proxy: config.mdca.proxy,
    env: config.mdca.proxyEnv,
    requestTimeoutMs: Math.min(config.mdca.requestTimeoutMs, 20_000),
    requestsPerMinute: config.mdca.requestsPerMinute,
    retry: { maxAttempts: 2, baseMs: 200, capMs: 1_000 },
  });
}

export function createRelay(config: RelayConfig, overrides: RelayOverrides = {}): Relay {
  const store = overrides.store ?? createStore(config);
  const tokens = overrides.tokens ?? createTokens(config, overrides.tokenOptions, overrides.graphTokenOptions);
  const sender = overrides.sender ?? createSender(config.syslog);
  const writer = createCefWriter(config.cef);
  const now = overrides.now ?? Date.now;
  const { source, client } = createSource(config, { tokens, writer, graph: overrides.graph });

  return {
    config,
    store,
    tokens,
    client,
    sender,
    source,
    writer,
    run: ({ logger, deadline, hardDeadline, shouldStop, onProgress }) => {
      const runId = randomUUID();
      // Every run is bounded, the CLI's too: a frozen dependency ends the run, the next one resumes.
      const soft = deadline ?? now() + DEFAULT_RUN_BUDGET_MS;
      const hard = hardDeadline ?? Math.max(soft, now()) + HARD_STOP_AFTER_MS;
      return runRelay({ config, store, source, sender, writer, logger: logger.child({ runId }), identity: runnerIdentity(runId), now, deadline: soft, hardDeadline: hard, shouldStop, onProgress });
    },
    replay: ({ logger, from, to, dataTypes, onProgress }) => replayRange({ source, sender, logger, onProgress }, dataTypes ?? source.streams, from, to),
    close: () => sender.close(),
  };
}
