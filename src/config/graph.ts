// The Microsoft Graph source's settings (RELAY_SOURCE=graph): parsers, and the checks that span several
// settings (which credential, which cloud). load.ts calls these; the names are the public contract.
import { DEFAULT_GRAPH_SEVERITY_MAP, validateGraphCefOptions, type GraphSeverityMap } from '../sources/graph/cef/options.js';
import { SERVICE_SOURCES } from '../sources/graph/types.js';
import { isKeyVaultReference } from '../secrets/keyvault-uri.js';
import { normalizeApiToken } from '../secrets/static-token.js';
import { duration, guid, integer, jsonObject, LOOPBACK, oneOf, parseUrl, text, type Field } from './fields.js';
import type { GraphAuthConfig, GraphConfig } from './types.js';

/**
 * The national clouds' Graph endpoints and their Entra authority hosts
 * (learn.microsoft.com/graph/deployments#microsoft-graph-and-graph-explorer-service-root-endpoints).
 * Only these (or a loopback test server) receive a token: a typo in GRAPH_ENDPOINT must not send one elsewhere.
 */
export const GRAPH_CLOUDS: Readonly<Record<string, { authority: string; note: string }>> = {
  'graph.microsoft.com': { authority: 'https://login.microsoftonline.com', note: 'global' },
  'graph.microsoft.us': { authority: 'https://login.microsoftonline.us', note: 'US Government L4' },
  'dod-graph.microsoft.us': { authority: 'https://login.microsoftonline.us', note: 'US Government L5 (DoD)' },
  'microsoftgraph.chinacloudapi.cn': { authority: 'https://login.chinacloudapi.cn', note: 'China (21Vianet)' },
};

const MINUTE = 60_000;

function origin(v: string, fail: (message: string) => void, what: string, allowed: (url: URL) => string | undefined): string {
  const url = parseUrl(v, fail);
  if (!url) return '';
  if (url.username || url.password) fail('must not carry credentials');
  else if (url.protocol === 'http:' && !LOOPBACK.test(url.hostname)) fail('must use https:// (http:// is accepted only for loopback hosts)');
  else if (url.protocol !== 'https:' && url.protocol !== 'http:') fail('must be an https:// URL');
  else if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) fail(`must be the ${what} alone, without a path or query (e.g. https://${url.host})`);
  else {
    const problem = allowed(url);
    if (problem) fail(problem);
  }
  return `${url.protocol}//${url.host}`;
}

const graphEndpoint: Field<string> = (v = 'https://graph.microsoft.com', fail) =>
  origin(v, fail, 'service root', (url) =>
    LOOPBACK.test(url.hostname) || (url.hostname.toLowerCase() in GRAPH_CLOUDS && url.protocol === 'https:' && !url.port)
      ? undefined
      : `"${url.host}" is not a Microsoft Graph endpoint: use ${Object.keys(GRAPH_CLOUDS).map((h) => `https://${h}`).join(', ')} (or a loopback URL for testing)`,
  );

// MSAL accepts only https authorities; a loopback one is a local token endpoint (tests).
const authorityHost: Field<string | undefined> = (v, fail) =>
  v === undefined ? undefined : origin(v, fail, 'authority host', (url) => (url.protocol === 'https:' ? undefined : 'must use https:// (the token endpoint takes a client secret)'));

const TENANT = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+)$/i;

const tenantId: Field<string | undefined> = (v, fail) => {
  if (v === undefined) return undefined;
  if (!TENANT.test(v.trim())) fail(`"${v}" is not a tenant id (a GUID) or a verified domain such as contoso.onmicrosoft.com`);
  return v.trim();
};

const boolean =
  (fallback: boolean): Field<boolean> =>
  (v, fail) => {
    if (v === undefined) return fallback;
    const t = v.trim().toLowerCase();
    if (t !== 'true' && t !== 'false') fail(`"${v}" must be true or false`);
    return t === 'true';
  };

const CANONICAL = new Map<string, string>(SERVICE_SOURCES.map((s) => [s.toLowerCase(), s]));

/** A comma list of serviceSource values or `all`. Unknown names are refused: a typo would filter every alert out. */
const serviceSources: Field<string[] | 'all'> = (v = 'microsoftDefenderForCloudApps', fail) => {
  const items = [...new Set(v.split(',').map((s) => s.trim()).filter(Boolean))];
  if (items.length === 1 && items[0]!.toLowerCase() === 'all') return 'all';
  const unknown = items.filter((s) => !CANONICAL.has(s.toLowerCase()));
  if (items.length === 0 || unknown.length > 0) {
    fail(`${items.length === 0 ? `"${v}" lists nothing` : `${unknown.map((s) => `"${s}"`).join(', ')} ${unknown.length === 1 ? 'is not a' : 'are not'} serviceSource value${unknown.length === 1 ? '' : 's'}`}: list some of ${SERVICE_SOURCES.join(', ')}, or all`);
    return [];
  }
  return items.map((s) => CANONICAL.get(s.toLowerCase())!);
};

/**
 * Graph severity → CEF severity, a JSON object; a severity left out keeps its default, so `{"high":10}`
 * changes one band. Checked by the mapping's own validation (integers 0..10, known severities only).
 */
const severityMap: Field<GraphSeverityMap> = (v, fail) => {
  const given = jsonObject(JSON.stringify(DEFAULT_GRAPH_SEVERITY_MAP))(v, fail);
  const map = { ...DEFAULT_GRAPH_SEVERITY_MAP, ...given };
  for (const problem of validateGraphCefOptions({ compat: true, severityMap: map })) fail(problem.replace(/^severityMap\./, ''));
  return map;
};

export const GRAPH_FIELDS = {
  RELAY_SOURCE: oneOf(['mdca', 'graph'] as const, 'mdca'),
  GRAPH_ENDPOINT: graphEndpoint,
  GRAPH_AUTHORITY_HOST: authorityHost,
  GRAPH_TENANT_ID: tenantId,
  GRAPH_CLIENT_ID: guid,
  GRAPH_CLIENT_SECRET_URI: text,
  GRAPH_CLIENT_CERTIFICATE_URI: text,
  GRAPH_TOKEN: text,
  GRAPH_SERVICE_SOURCES: serviceSources,
  GRAPH_ALERT_UPDATES: boolean(true),
  GRAPH_CEF_COMPAT: boolean(true),
  GRAPH_CEF_SEVERITY_MAP: severityMap,
  // 150/min per app per tenant for alert operations (learn.microsoft.com/graph/throttling-limits#security-detections-and-incidents-service-limits).
  GRAPH_REQUESTS_PER_MINUTE: integer(150, 1, 6000),
  GRAPH_REQUEST_TIMEOUT: duration('PT60S', { min: 1000, max: 10 * MINUTE, why: 'the time one Graph request may take (PT0S would abort every request; more than 10 minutes is a unit mistake)' }),
  // alerts_v2 is eventually consistent: a window ends this far in the past so what is stamped inside it is visible.
  GRAPH_SETTLE_MARGIN: duration('PT2M', { min: 0, max: 60 * MINUTE, why: 'how far in the past a window ends so alerts stamped inside it are visible (more than an hour delays every alert by that much)' }),
} satisfies Record<string, Field<unknown>>;

export type GraphParsed = { [K in keyof typeof GRAPH_FIELDS]: ReturnType<(typeof GRAPH_FIELDS)[K]> };

/** Never echoed in a problem. */
export const GRAPH_SECRET_SETTINGS = ['GRAPH_TOKEN'] as const;

/** The scope of app-only tokens: the endpoint's own `/.default` (a loopback test server stands in for the global cloud). */
export function graphScope(endpoint: string): string {
  const host = new URL(endpoint).hostname.toLowerCase();
  return host in GRAPH_CLOUDS ? `https://${host}/.default` : 'https://graph.microsoft.com/.default';
}

function authFor(p: GraphParsed, clientIdOfIdentity: string | undefined, keyVaultUri: RegExp, problems: string[]): GraphAuthConfig {
  const token = p.GRAPH_TOKEN;
  const secretUri = p.GRAPH_CLIENT_SECRET_URI?.trim();
  const certificateUri = p.GRAPH_CLIENT_CERTIFICATE_URI?.trim();
  for (const [name, uri] of [['GRAPH_CLIENT_SECRET_URI', secretUri], ['GRAPH_CLIENT_CERTIFICATE_URI', certificateUri]] as const) {
    if (uri !== undefined && !keyVaultUri.test(uri)) problems.push(`${name}: must be a versionless Key Vault secret URI such as https://<vault>.vault.azure.net/secrets/<name>`);
  }
  const app = p.GRAPH_TENANT_ID !== undefined || p.GRAPH_CLIENT_ID !== undefined || secretUri !== undefined || certificateUri !== undefined;
  if (token !== undefined) {
    if (app) problems.push('GRAPH_TOKEN: is set together with GRAPH_TENANT_ID / GRAPH_CLIENT_ID / GRAPH_CLIENT_SECRET_URI / GRAPH_CLIENT_CERTIFICATE_URI: choose one way to authenticate');
    if (!isKeyVaultReference(token)) {
      try {
        normalizeApiToken(token.trim().replace(/^bearer\s+/i, ''), 'GRAPH_TOKEN');
      } catch (err) {
        problems.push((err as Error).message.replace(/^GRAPH_TOKEN /, 'GRAPH_TOKEN: '));
      }
    }
    return { mode: 'token', token };
  }
  if (!app) return { mode: 'managed-identity', clientId: clientIdOfIdentity };
  if (secretUri !== undefined && certificateUri !== undefined) problems.push('GRAPH_CLIENT_CERTIFICATE_URI: is set together with GRAPH_CLIENT_SECRET_URI: choose the secret or the certificate');
  if (secretUri === undefined && certificateUri === undefined) problems.push('GRAPH_CLIENT_SECRET_URI: is required with GRAPH_TENANT_ID / GRAPH_CLIENT_ID (or set GRAPH_CLIENT_CERTIFICATE_URI; or remove both ids to use the managed identity)');
  if (p.GRAPH_TENANT_ID === undefined) problems.push('GRAPH_TENANT_ID: is required for an application\'s secret or certificate (the directory (tenant) id of the app registration)');
  if (p.GRAPH_CLIENT_ID === undefined) problems.push('GRAPH_CLIENT_ID: is required for an application\'s secret or certificate (the application (client) id of the app registration)');
  const ids = { tenantId: p.GRAPH_TENANT_ID ?? '', clientId: p.GRAPH_CLIENT_ID ?? '' };
  return certificateUri !== undefined ? { mode: 'client-certificate', ...ids, certificateUri } : { mode: 'client-secret', ...ids, secretUri: secretUri ?? '' };
}

/** The Graph source's configuration; problems (each naming its setting) are appended to `problems`. */
export function graphConfig(p: GraphParsed, env: { clientId?: string; proxy?: string; proxyEnv: Record<string, string | undefined>; keyVaultUri: RegExp }, problems: string[]): GraphConfig {
  const host = new URL(p.GRAPH_ENDPOINT || 'https://graph.microsoft.com').hostname.toLowerCase();
  return {
    endpoint: p.GRAPH_ENDPOINT,
    authorityHost: p.GRAPH_AUTHORITY_HOST ?? GRAPH_CLOUDS[host]?.authority ?? GRAPH_CLOUDS['graph.microsoft.com']!.authority,
    scope: graphScope(p.GRAPH_ENDPOINT || 'https://graph.microsoft.com'),
    auth: authFor(p, env.clientId, env.keyVaultUri, problems),
    serviceSources: p.GRAPH_SERVICE_SOURCES,
    alertUpdates: p.GRAPH_ALERT_UPDATES,
    cefCompat: p.GRAPH_CEF_COMPAT,
    cefSeverityMap: p.GRAPH_CEF_SEVERITY_MAP,
    requestsPerMinute: p.GRAPH_REQUESTS_PER_MINUTE,
    requestTimeoutMs: p.GRAPH_REQUEST_TIMEOUT,
    settleMs: p.GRAPH_SETTLE_MARGIN,
    proxy: env.proxy,
    proxyEnv: env.proxyEnv,
  };
}
