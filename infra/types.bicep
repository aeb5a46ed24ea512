// Parameter types shared by main.bicep and its modules: the relay's own settings and the network choice.

@export()
@sealed()
@description('''Relay settings, keyed by the environment variable names the code reads (src/config/settings.ts).
A key left out is not set on the app, so the code's default applies. Values are strings, as app settings are.
Not here on purpose: MDCA_TOKEN, GRAPH_TOKEN and SYSLOG_TLS_KEY (secrets: the template creates nothing secret; see
tokenSecretName and syslogTlsKeySecretName), MDCA_TOKEN_SECRET_URI, RELAY_CHECKPOINT_TABLE and AZURE_CLIENT_ID
(derived from the resources this template creates), and the CLI-only settings.''')
type relaySettings = {
  @description('API base: https://<tenant>.<region>.portal.cloudappsecurity.com (required unless RELAY_SOURCE is graph).')
  MDCA_PORTAL_URL: string?
  @description('token (API token in Key Vault) or entra (the app identity; grant it the MDCA API app role).')
  MDCA_AUTH: ('token' | 'entra')?
  @description('alerts, activities, or alerts,activities')
  MDCA_DATA_TYPES: string?
  @description('Server-side alert filters (JSON), as the API takes them.')
  MDCA_ALERT_FILTERS: string?
  @description('Server-side activity filters (JSON), as the API takes them.')
  MDCA_ACTIVITY_FILTERS: string?
  MDCA_REQUESTS_PER_MINUTE: string?
  @description('ISO-8601 duration, e.g. PT60S.')
  MDCA_REQUEST_TIMEOUT: string?
  @description('Forward proxy for the API (ADDRESS[:PORT] or URL).')
  MDCA_PROXY: string?
  HTTPS_PROXY: string?
  NO_PROXY: string?

  @description('mdca (the Defender for Cloud Apps API, MDCA_* settings) or graph (Microsoft Graph alerts_v2, GRAPH_* settings; docs/graph.md).')
  RELAY_SOURCE: ('mdca' | 'graph')?
  @description('https://graph.microsoft.com (default), https://graph.microsoft.us, https://dod-graph.microsoft.us or https://microsoftgraph.chinacloudapi.cn.')
  GRAPH_ENDPOINT: string?
  @description('Entra authority; derived from GRAPH_ENDPOINT when left out.')
  GRAPH_AUTHORITY_HOST: string?
  @description('App registration instead of the managed identity: tenant id, client id and a Key Vault secret URI (secret or PEM certificate).')
  GRAPH_TENANT_ID: string?
  GRAPH_CLIENT_ID: string?
  GRAPH_CLIENT_SECRET_URI: string?
  GRAPH_CLIENT_CERTIFICATE_URI: string?
  @description('Comma list of alerts_v2 serviceSource values, or all (default microsoftDefenderForCloudApps).')
  GRAPH_SERVICE_SOURCES: string?
  GRAPH_ALERT_UPDATES: ('true' | 'false')?
  GRAPH_CEF_COMPAT: ('true' | 'false')?
  @description('JSON object, Graph severity to CEF severity 0-10, e.g. {"high":10}; left-out severities keep their defaults.')
  GRAPH_CEF_SEVERITY_MAP: string?
  GRAPH_REQUESTS_PER_MINUTE: string?
  GRAPH_REQUEST_TIMEOUT: string?
  @description('ISO-8601 duration, default PT2M: how far in the past each read window ends.')
  GRAPH_SETTLE_MARGIN: string?

  @description('Syslog receiver(s), comma separated for fail-over; a private address reached through VNet integration.')
  SYSLOG_HOST: string
  SYSLOG_PORT: string?
  SYSLOG_PROTOCOL: ('tcp' | 'udp' | 'tls')?
  SYSLOG_FRAMING: ('lf' | 'octet-counting')?
  @description('PEM CA bundle to trust instead of the system CAs (inline PEM).')
  SYSLOG_TLS_CA: string?
  @description('Client certificate for mutual TLS (inline PEM; public, not a secret). Its key: syslogTlsKeySecretName.')
  SYSLOG_TLS_CERT: string?
  SYSLOG_TLS_SERVERNAME: string?
  SYSLOG_CONNECT_TIMEOUT: string?
  SYSLOG_WRITE_TIMEOUT: string?
  SYSLOG_UDP_MAX_BYTES: string?

  SIEM_FORMAT: ('arcsight' | 'generic')?
  CEF_HOSTNAME: string?
  CEF_VENDOR: string?
  CEF_PRODUCT: string?
  @description('JSON map of MDCA severityValue to CEF severity.')
  CEF_SEVERITY_MAP: string?
  CEF_MAX_MESSAGE_BYTES: string?
  SYSLOG_HEADER: ('rfc5424' | 'rfc3164')?
  SYSLOG_FACILITY: string?
  SYSLOG_SEVERITY: string?
  SYSLOG_APP_NAME: string?

  RELAY_NAME: string?
  @description('NCRONTAB in UTC, seconds first (Flex Consumption has no WEBSITE_TIME_ZONE).')
  RELAY_SCHEDULE: string?
  RELAY_INITIAL_LOOKBACK: string?
  RELAY_OVERLAP: string?
  RELAY_TIME_BUDGET: string?
  RELAY_LEASE: string?
  @description('Pages on their way to the receiver at once, 1-16 (default 4); also the most a crash re-sends.')
  RELAY_DELIVERY_WINDOW: string?
  HEARTBEAT_INTERVAL: string?
}

@export()
@discriminator('mode')
@description('Where the function app and the private endpoints attach.')
type networkSettings = existingNetwork | newNetwork

@export()
@description('The common case: a VNet that already reaches the SIEM.')
type existingNetwork = {
  mode: 'existing'
  @description('Resource id of the integration subnet: delegated to Microsoft.App/environments, /27 or larger, no "_" in its name.')
  integrationSubnetId: string
  @description('Resource id of the subnet for private endpoints (needed when enablePrivateEndpoints is true).')
  privateEndpointSubnetId: string?
}

@export()
@description('A new VNet with a delegated integration subnet and a private-endpoint subnet (peer it to reach the SIEM).')
type newNetwork = {
  mode: 'new'
  addressPrefix: string?
  @description('/27 or larger (Flex Consumption).')
  integrationSubnetPrefix: string?
  privateEndpointSubnetPrefix: string?
  @description('Internet egress (MDCA API, Entra ID, Azure Monitor) through a NAT gateway with a static IP; default true.')
  natGateway: bool?
}

@export()
@description('Existing private DNS zone resource ids (e.g. in a hub); a zone left out is created here and linked to the VNet.')
type privateDnsZoneIds = {
  blob: string?
  queue: string?
  table: string?
  vault: string?
}
