// Example parameters: the common case, an existing VNet that already reaches the SIEM, everything private.
// Copy, fill in the ids and addresses, then: az deployment group create -g <rg> -f infra/main.bicep -p <this file>
using 'main.bicep'

param baseName = 'mdcarelay'

param network = {
  mode: 'existing'
  // Delegated to Microsoft.App/environments, /27 or larger, no '_' in the subnet name.
  integrationSubnetId: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-network/providers/Microsoft.Network/virtualNetworks/vnet-soc/subnets/snet-relay-integration'
  privateEndpointSubnetId: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-network/providers/Microsoft.Network/virtualNetworks/vnet-soc/subnets/snet-endpoints'
}

param enablePrivateEndpoints = true

param relay = {
  MDCA_PORTAL_URL: 'https://contoso.eu2.portal.cloudappsecurity.com'
  MDCA_AUTH: 'token'
  MDCA_DATA_TYPES: 'alerts,activities'
  SYSLOG_HOST: '10.20.0.4'
  SYSLOG_PORT: '6514'
  SYSLOG_PROTOCOL: 'tls'
  SIEM_FORMAT: 'arcsight'
  CEF_HOSTNAME: 'mdca-relay'
  RELAY_SCHEDULE: '0 */5 * * * *'
}

// The object id of whoever stores the token after deployment (az ad signed-in-user show --query id -o tsv).
param tokenAdminPrincipalId = ''

param lagAlertThresholdSeconds = 3600
