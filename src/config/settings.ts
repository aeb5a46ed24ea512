// Every setting the relay reads: the public contract of names, defaults and meanings.
// The configuration reference (docs/configuration.md) and the Bicep app settings are checked against it.

export type SettingScope = 'both' | 'function' | 'cli';

export interface SettingSpec {
  name: string;
  description: string;
  default?: string;
  example?: string;
  scope: SettingScope;
  /** Holds a secret: never logged, never echoed in an error. */
  secret?: boolean;
}

export const SETTINGS: readonly SettingSpec[] = [
  // Source: Defender for Cloud Apps API
  { name: 'MDCA_PORTAL_URL', scope: 'both', example: 'https://contoso.eu2.portal.cloudappsecurity.com', description: 'API base (required with RELAY_SOURCE=mdca): the portal URL shown under Settings > Cloud Apps > System > About. https only; http:// is accepted for loopback hosts (local testing).' },
  { name: 'MDCA_AUTH', scope: 'both', default: 'token', example: 'entra', description: '`token`: the legacy API token (MDCA_TOKEN or MDCA_TOKEN_SECRET_URI); `entra`: a Microsoft Entra bearer token for the app identity (managed identity in Azure), no token to rotate.' },
  { name: 'MDCA_TOKEN', scope: 'both', secret: true, description: 'The API token itself, for local use. In Azure prefer MDCA_TOKEN_SECRET_URI. A Key Vault reference (@Microsoft.KeyVault(...)) also works.' },
  { name: 'MDCA_TOKEN_SECRET_URI', scope: 'both', example: 'https://kv-relay.vault.azure.net/secrets/mdca-token', description: 'Versionless Key Vault secret URI holding the API token; read at run time with the app identity, so a rotated token is used without a redeploy.' },
  { name: 'MDCA_DATA_TYPES', scope: 'both', default: 'alerts', example: 'alerts,activities', description: 'Which data types to relay, comma separated: alerts, activities.' },
  { name: 'MDCA_ALERT_FILTERS', scope: 'both', default: '{}', example: '{"severity":{"eq":2},"alertOpen":{"eq":true}}', description: 'Server-side alert filters as the API takes them (JSON). Empty = all alerts.' },
  { name: 'MDCA_ACTIVITY_FILTERS', scope: 'both', default: '{}', example: '{"service":{"eq":[11161]}}', description: 'Server-side activity filters as the API takes them (JSON).' },
  { name: 'MDCA_REQUESTS_PER_MINUTE', scope: 'both', default: '30', description: 'Request budget per tenant, shared by every data type (the documented API limit is 30/min); 1-6000.' },
  { name: 'MDCA_REQUEST_TIMEOUT', scope: 'both', default: 'PT60S', description: 'Timeout of one API request (ISO-8601 duration), PT1S to PT10M.' },
  { name: 'MDCA_PROXY', scope: 'both', example: 'http://proxy.contoso.local:3128', description: 'Forward proxy for the API, either source (ADDRESS[:PORT] or an http(s):// URL, port 8080 when none is given). HTTPS_PROXY / NO_PROXY are honoured when this is unset. Checked at start-up; its credentials never appear in a message.' },
  { name: 'HTTPS_PROXY', scope: 'both', description: 'Standard proxy variable, used when MDCA_PROXY is unset.' },
  { name: 'NO_PROXY', scope: 'both', description: 'Standard list of hosts that bypass the proxy.' },
  // Source: Microsoft Graph security alerts (alerts_v2), docs/graph.md
  { name: 'RELAY_SOURCE', scope: 'both', default: 'mdca', example: 'graph', description: 'Which API to read: `mdca` (the Defender for Cloud Apps API, MDCA_* settings) or `graph` (Microsoft Graph security alerts_v2 from every Defender product, GRAPH_* settings; docs/graph.md). The other source\'s settings are then not required.' },
  { name: 'GRAPH_ENDPOINT', scope: 'both', default: 'https://graph.microsoft.com', example: 'https://graph.microsoft.us', description: 'Microsoft Graph service root: https://graph.microsoft.com, https://graph.microsoft.us (US Gov L4), https://dod-graph.microsoft.us (US Gov L5) or https://microsoftgraph.chinacloudapi.cn (21Vianet). Any other host is refused so a token never goes elsewhere; http:// is accepted for loopback hosts (local testing).' },
  { name: 'GRAPH_AUTHORITY_HOST', scope: 'both', default: 'derived from GRAPH_ENDPOINT', example: 'https://login.microsoftonline.us', description: 'Microsoft Entra authority for the application\'s secret or certificate: login.microsoftonline.com, login.microsoftonline.us (both US Gov clouds) or login.chinacloudapi.cn, following GRAPH_ENDPOINT. https only.' },
  { name: 'GRAPH_TENANT_ID', scope: 'both', example: '72f988bf-86f1-41af-91ab-2d7cd011db47', description: 'Directory (tenant) id of the app registration, with GRAPH_CLIENT_ID and GRAPH_CLIENT_SECRET_URI or GRAPH_CLIENT_CERTIFICATE_URI. Leave the GRAPH_TENANT_ID / GRAPH_CLIENT_* settings unset to use the managed identity (AZURE_CLIENT_ID).' },
  { name: 'GRAPH_CLIENT_ID', scope: 'both', example: '6c1f5c8e-2d0b-4a43-9a57-0d6c1e4d2f10', description: 'Application (client) id of the app registration granted SecurityAlert.Read.All (application permission).' },
  { name: 'GRAPH_CLIENT_SECRET_URI', scope: 'both', example: 'https://kv-relay.vault.azure.net/secrets/graph-client-secret', description: 'Versionless Key Vault secret URI holding the application\'s client secret; read at run time with the relay\'s identity, so a rotated secret is used without a redeploy.' },
  { name: 'GRAPH_CLIENT_CERTIFICATE_URI', scope: 'both', example: 'https://kv-relay.vault.azure.net/secrets/graph-client-cert', description: 'Versionless Key Vault secret URI holding the application\'s certificate as PEM (private key and certificate: the secret of a Key Vault certificate with content type application/x-pem-file). Instead of GRAPH_CLIENT_SECRET_URI.' },
  { name: 'GRAPH_TOKEN', scope: 'both', secret: true, description: 'A Microsoft Graph bearer token itself, for local use and tests (it expires within about an hour). In Azure use the managed identity or GRAPH_CLIENT_SECRET_URI.' },
  { name: 'GRAPH_SERVICE_SOURCES', scope: 'both', default: 'microsoftDefenderForCloudApps', example: 'microsoftDefenderForEndpoint,microsoftDefenderForIdentity', description: 'Which products\' alerts to relay: a comma list of alerts_v2 `serviceSource` values, or `all`. An unknown value is refused (a typo would filter every alert out).' },
  { name: 'GRAPH_ALERT_UPDATES', scope: 'both', default: 'true', description: '`true`: an update to an alert already sent (status, classification, determination, assignment) is sent as an event of its own with the same alert id; `false`: each alert is sent once.' },
  { name: 'GRAPH_CEF_COMPAT', scope: 'both', default: 'true', description: '`true`: Defender for Cloud Apps alerts are written as the legacy source wrote them (vendor, product, signature, key order) wherever the data allows (docs/graph.md lists what differs); `false`: every alert in the Graph mapping.' },
  { name: 'GRAPH_CEF_SEVERITY_MAP', scope: 'both', example: '{"informational":1,"low":3,"medium":6,"high":10,"unknown":3}', description: 'Graph alert `severity` (informational, low, medium, high; `unknown` also takes unknownFutureValue and a missing one) to CEF severity (integer 0-10), a JSON object; a severity left out keeps its default. Default `{"informational":1,"low":3,"medium":6,"high":8,"unknown":3}`, the legacy source\'s numbers (docs/graph-cef.md). In compatibility mode (GRAPH_CEF_COMPAT) Defender for Cloud Apps alerts take CEF_SEVERITY_MAP, as the legacy source.' },
  { name: 'GRAPH_REQUESTS_PER_MINUTE', scope: 'both', default: '150', description: 'Request budget for the Graph alerts API (the documented limit is 150 per minute per app per tenant); 1-6000.' },
  { name: 'GRAPH_SETTLE_MARGIN', scope: 'both', default: 'PT2M', description: 'How far in the past each read window ends (ISO-8601 duration, PT0S to PT1H): alerts_v2 is eventually consistent, so a change stamped at t is listed some time after t. An alert that becomes visible later than this after its time is not sent; raise it if the SIEM misses alerts that the portal shows.' },
  { name: 'GRAPH_REQUEST_TIMEOUT', scope: 'both', default: 'PT60S', description: 'Timeout of one Graph request (ISO-8601 duration), PT1S to PT10M.' },
  // Sink: syslog
  { name: 'SYSLOG_HOST', scope: 'both', example: '10.1.2.3', description: 'Syslog receiver; a comma-separated list is tried in order (fail-over), each entry `host` or `host:port` (`[v6]:port`). In Azure a private IP reached through VNet integration.' },
  { name: 'SYSLOG_PORT', scope: 'both', default: '514 (6514 for tls)', description: 'Receiver port, 1-65535.' },
  { name: 'SYSLOG_PROTOCOL', scope: 'both', default: 'tcp', description: '`tcp`, `udp`, `tls`, `relp` or `relp-tls` (RELP, as rsyslog imrelp speaks it; relp-tls takes the SYSLOG_TLS_* settings). tcp/tls confirm delivery before the checkpoint moves; relp acknowledges every event (docs/syslog.md, RELP); udp is best effort.' },
  { name: 'SYSLOG_FRAMING', scope: 'both', default: 'lf (octet-counting for tls)', description: 'TCP framing: `lf` (ArcSight, Sentinel forwarders, syslog-ng network()) or `octet-counting` (RFC 6587; syslog-ng syslog(), RFC 5425).' },
  { name: 'SYSLOG_TLS_CA', scope: 'both', description: 'PEM CA bundle (inline PEM or a file path) to trust instead of the system CAs. The SYSLOG_TLS_* settings are parsed at start-up and refused unless SYSLOG_PROTOCOL is tls or relp-tls.' },
  { name: 'SYSLOG_TLS_CERT', scope: 'both', description: 'Client certificate for mutual TLS (inline PEM or a file path).' },
  { name: 'SYSLOG_TLS_KEY', scope: 'both', secret: true, description: 'Private key of the client certificate (inline PEM or a file path).' },
  { name: 'SYSLOG_TLS_SERVERNAME', scope: 'both', description: 'Name to check the receiver certificate against when it differs from SYSLOG_HOST.' },
  { name: 'SYSLOG_CONNECT_TIMEOUT', scope: 'both', default: 'PT10S', description: 'Connect timeout (ISO-8601 duration), PT1S to PT5M.' },
  { name: 'SYSLOG_WRITE_TIMEOUT', scope: 'both', default: 'PT30S', description: 'No progress for this long (no bytes taken while writing, no confirmation after the last byte) fails one delivery session; the rest of the batch is then retried in smaller sessions (ISO-8601 duration), PT1S to PT10M.' },
  { name: 'SYSLOG_UDP_MAX_BYTES', scope: 'both', default: '2048', description: 'Largest UDP datagram (2048-65507); CEF lines are trimmed to fit (RFC 5426: receivers should take 2048).' },
  // Format: CEF
  { name: 'SIEM_FORMAT', scope: 'both', default: 'arcsight', description: '`arcsight`: `<ISO time> [hostname] CEF:...` exactly as the retired agent; `generic`: a syslog header (see SYSLOG_HEADER).' },
  { name: 'CEF_HOSTNAME', scope: 'both', description: 'System name: arcsight writes it after the timestamp when set ("include system name"); generic uses it as HOSTNAME (default: the machine name).' },
  { name: 'CEF_VENDOR', scope: 'both', default: 'MCAS', description: 'CEF Device Vendor.' },
  { name: 'CEF_PRODUCT', scope: 'both', default: 'SIEM_Agent', description: 'CEF Device Product.' },
  { name: 'CEF_SEVERITY_MAP', scope: 'both', example: '{"0":3,"1":6,"2":8,"3":1}', description: 'MDCA severityValue (0 low, 1 medium, 2 high, 3 informational) to CEF severity (0-10), a JSON object; an unmapped value gets 3. Default: see docs/cef.md.' },
  { name: 'CEF_MAX_MESSAGE_BYTES', scope: 'both', default: '8192', description: 'Whole-line cap in UTF-8 bytes (2048 or more); the largest free-text fields are trimmed first (8 KiB is the rsyslog/Sentinel default).' },
  { name: 'SYSLOG_HEADER', scope: 'both', default: 'rfc5424', description: 'generic format: `rfc5424` or `rfc3164`.' },
  { name: 'SYSLOG_FACILITY', scope: 'both', default: '20 (local4)', description: 'generic format: facility number 0-23 for PRI (local4.warning = <164>, what collectors such as Sentinel\'s commonly select).' },
  { name: 'SYSLOG_SEVERITY', scope: 'both', default: '4 (warning)', description: 'generic format: syslog severity 0-7 for PRI.' },
  { name: 'SYSLOG_APP_NAME', scope: 'both', default: 'MCAS_SIEM_Agent', description: 'generic format: APP-NAME (RFC 5424) or TAG (RFC 3164).' },
  // Relay behaviour
  { name: 'RELAY_NAME', scope: 'both', default: 'the portal host name (graph: the Graph endpoint host)', description: 'Name of this relay: keys its checkpoints and status record. 1-128 letters, digits, `.`, `_`, `-`.' },
  { name: 'RELAY_SCHEDULE', scope: 'both', default: '0 */1 * * * *', description: 'NCRONTAB schedule in UTC as Azure Functions takes it: six fields, seconds first (second minute hour day month day-of-week; day-of-week 0-6 with Sunday 0; 3-letter month and day names; `*`, lists, ranges, steps within the field; no `L`, `#` or `?`). Runs both the Function timer and the CLI run loop.' },
  { name: 'RELAY_INITIAL_LOOKBACK', scope: 'both', default: 'P2D', description: 'How far back the first run starts, and where a relay switched off for longer restarts (ISO-8601 duration), PT1H or more: a shorter one would count an ordinary pause between runs as switched off and skip alerts.' },
  { name: 'RELAY_OVERLAP', scope: 'both', default: 'PT15M', description: 'Window re-read behind the watermark to catch alerts that become visible late; duplicates are removed by id (mdca: the newest 1,000 ids are kept; graph: by alert version, within the checkpoint byte budget, about 28 KB; a larger burst narrows the window, reported in the status). PT0S (re-read nothing) to PT6H, shorter than RELAY_INITIAL_LOOKBACK.' },
  { name: 'RELAY_TIME_BUDGET', scope: 'both', default: '0.8', description: 'Share of host.json functionTimeout a run may use before it stops starting pages and commits (the next tick continues); work still in flight halfway through the rest is aborted. A decimal from 0.1 to 1.' },
  { name: 'RELAY_LEASE', scope: 'both', default: 'PT5M', description: 'How long a runner holds a data type before another may take over when it stops renewing (ISO-8601 duration), PT30S to PT1H: the lease is renewed every third of its length while a page is in flight.' },
  { name: 'HEARTBEAT_INTERVAL', scope: 'both', default: 'PT15M', description: 'Interval of the relay\'s own heartbeat CEF event in the SIEM, PT1M to P1D (PT0S turns it off).' },
  { name: 'RELAY_MULTI_TENANT', scope: 'function', default: 'false', description: 'Multi-tenant mode of the Function (docs/multi-tenant.md): `true` registers the fan-out (the `tenantDispatch` timer enqueues one message per enabled tenant of the registry in the checkpoint table; the `tenantRun` queue trigger runs one tenant per message) instead of the single `relay` timer. infra/ sets it with `multiTenant`; it needs the queue endpoint (AzureWebJobsStorage__queueServiceUri) and the queue role.' },
  { name: 'RELAY_DELIVERY_WINDOW', scope: 'both', default: '6', description: 'Most pages on their way to the syslog receiver at once, 1-16; checkpoints still commit in page order, each after its page is confirmed. A crash or a failed delivery re-sends up to this many pages: 1 re-sends at most one page (the slowest); 6 keeps up with an unthrottled API and keeps 4 TCP sessions moving bytes while 2 batches wait out their settle check (docs/syslog.md, Throughput).' },
  { name: 'RELAY_TENANT_CONCURRENCY', scope: 'cli', default: '16', description: 'With a tenant registry (`run --tenants FILE`, docs/multi-tenant.md): how many tenants one process runs at once, 1-500. Each tenant keeps its own request budget; a tenant whose API or receiver hangs holds one slot until its run\'s time budget ends.' },
  { name: 'RELAY_CHECKPOINT_TABLE', scope: 'function', default: 'relaycheckpoints', description: 'Table holding checkpoints and status: 3-63 letters and digits, starting with a letter.' },
  { name: 'RELAY_CHECKPOINT_STORAGE', scope: 'function', description: 'Another storage account for the checkpoint table: a table service URI (identity-based) or a connection string. Default: the account of AzureWebJobsStorage.' },
  { name: 'RELAY_STATE_DIR', scope: 'cli', default: '~/.mdca-siem-relay', description: 'The CLI\'s checkpoint directory (atomic writes).' },
  { name: 'RELAY_LOGS_DIR', scope: 'cli', description: 'Directory for rotated JSON-lines log files (the jar\'s --logsDirectory).' },
  { name: 'AZURE_CLIENT_ID', scope: 'function', description: 'Client id (a GUID) of the user-assigned managed identity used for Key Vault, storage and Entra tokens.' },
] as const;

/** Read by the Functions host or the platform (or local tooling), not by the relay's settings schema.
 *  The template sets those a Flex Consumption app takes; Flex sets the runtime itself (functionAppConfig). */
export const PLATFORM_SETTINGS: readonly { name: string; description: string }[] = [
  { name: 'AzureWebJobsStorage', description: 'Host storage (connection string locally). The checkpoint table lives there unless RELAY_CHECKPOINT_STORAGE is set.' },
  { name: 'AzureWebJobsStorage__credential', description: 'Identity-based host storage.' },
  { name: 'AzureWebJobsStorage__clientId', description: 'Identity-based host storage: the user-assigned identity.' },
  { name: 'AzureWebJobsStorage__accountName', description: 'Identity-based host storage: the account.' },
  { name: 'AzureWebJobsStorage__blobServiceUri', description: 'Identity-based host storage: blob endpoint.' },
  { name: 'AzureWebJobsStorage__queueServiceUri', description: 'Identity-based host storage: queue endpoint.' },
  { name: 'AzureWebJobsStorage__tableServiceUri', description: 'Identity-based host storage: table endpoint (also used for the checkpoint table).' },
  { name: 'FUNCTIONS_EXTENSION_VERSION', description: 'Functions runtime version.' },
  { name: 'FUNCTIONS_WORKER_RUNTIME', description: 'node.' },
  { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', description: 'Application Insights.' },
  { name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING', description: 'Entra auth to Application Insights (local auth is off).' },
];

export const SETTING_NAMES: ReadonlySet<string> = new Set(SETTINGS.map((s) => s.name));
