// Example parameters (docs/deployment.md, step 1): the common case, an existing VNet that already reaches the SIEM,
// storage and Key Vault private, the central privatelink zones of the hub, the app reachable from an allow-list.
// Copy, fill in the ids and addresses, then: az deployment group create -g <rg> --parameters <this file>
using 'main.bicep'

param baseName = 'mdcarelay'

param network = {
  mode: 'existing'
  // Delegated to Microsoft.App/environments, /27 or larger, no '_' in the subnet name.
  integrationSubnetId: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-network/providers/Microsoft.Network/virtualNetworks/vnet-soc/subnets/snet-relay-integration'
  privateEndpointSubnetId: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-network/providers/Microsoft.Network/virtualNetworks/vnet-soc/subnets/snet-endpoints'
}

param enablePrivateEndpoints = true

// The hub's zones (already linked to vnet-soc). Without them set createPrivateDnsZones = true.
param existingPrivateDnsZoneIds = {
  blob: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-hub-dns/providers/Microsoft.Network/privateDnsZones/privatelink.blob.core.windows.net'
  table: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-hub-dns/providers/Microsoft.Network/privateDnsZones/privatelink.table.core.windows.net'
  vault: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-hub-dns/providers/Microsoft.Network/privateDnsZones/privatelink.vaultcore.azure.net'
}

param relay = {
  MDCA_PORTAL_URL: 'https://contoso.eu2.portal.cloudappsecurity.com'
  MDCA_AUTH: 'token'
  MDCA_DATA_TYPES: 'alerts,activities'
  SYSLOG_HOST: '10.20.0.4'
  SYSLOG_PORT: '6514'
  SYSLOG_PROTOCOL: 'tls'
  // The name in the SIEM's certificate, when SYSLOG_HOST is an address.
  SYSLOG_TLS_SERVERNAME: 'siem.contoso.local'
  SIEM_FORMAT: 'arcsight'
  CEF_HOSTNAME: 'mdca-relay'
  RELAY_SCHEDULE: '0 */5 * * * *'
}

// The internal CA that signed the SIEM's certificate, stored in the vault in step 3 (becomes SYSLOG_TLS_CA).
param syslogTlsCaSecretName = 'syslog-tls-ca'

// Whoever stores the token in step 3 (Key Vault Secrets Officer). Read from the environment so it cannot be left
// empty by accident: export RELAY_TOKEN_ADMIN_ID="$(az ad signed-in-user show --query id -o tsv)"
param tokenAdminPrincipalId = readEnvironmentVariable('RELAY_TOKEN_ADMIN_ID')

// Where you publish from and call the status endpoint (your office or pipeline egress).
param functionAppAllowedIpRanges = ['203.0.113.0/24']

param alertEmailAddresses = ['soc-oncall@contoso.com']

param lagAlertThresholdSeconds = 3600
