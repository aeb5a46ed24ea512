// mdca-siem-relay: one resource-group deployment of the relay as a private, least-privilege Flex Consumption
// function app. Guide: docs/deployment.md. Facts: learn.microsoft.com flex-consumption-plan, functions-networking-options.
//
// What-if: every name, id and condition below is computed from parameters and deterministic names, never from a
// module's output, so `az deployment group what-if` can predict every nested resource (the linter rule
// what-if-short-circuiting is at error in bicepconfig.json). Modules that need another module's resource get its
// name or id from `names` and an explicit dependsOn.

import { relaySettings, networkSettings, privateDnsZoneIds } from 'types.bicep'

targetScope = 'resourceGroup'

@description('Short name from which resource names are derived (lowercase letters and digits).')
@minLength(3)
@maxLength(12)
param baseName string

param location string = resourceGroup().location

param tags object = {}

@description('Relay settings, named as the code reads them (src/config/settings.ts). See types.bicep.')
param relay relaySettings

@description('Existing VNet subnets (the common case) or a new VNet.')
param network networkSettings

@description('Storage and Key Vault reachable through private endpoints only (public network access disabled).')
param enablePrivateEndpoints bool = true

@description('Existing private DNS zones to use instead of creating them here (e.g. central zones in a hub).')
param existingPrivateDnsZoneIds privateDnsZoneIds = {}

@description('''Existing-VNet mode only: create the privatelink zones missing from existingPrivateDnsZoneIds and link them
to your VNet(s). Off by default: in a shared VNet, a second zone of the same name overlaps the central one, or takes
over name resolution for other teams' private endpoints. A new VNet always gets the zones it needs.''')
param createPrivateDnsZones bool = false

@description('A private endpoint for the function app itself (privatelink.azurewebsites.net): publish and call the status endpoint from inside the network.')
param functionAppPrivateEndpoint bool = false

@description('''Multi-tenant mode (docs/multi-tenant.md): the tenant registry in the checkpoint table, a timer that enqueues one
message per enabled tenant and a queue-triggered function that runs one tenant. Adds the queue and its poison queue, Storage
Queue Data Contributor on those two queues only, the queue endpoint (and its private endpoint) and RELAY_MULTI_TENANT=true.
Off: one relay, and no queue, queue role or queue endpoint at all.''')
param multiTenant bool = false

@description('Public IPv4 ranges allowed through the Key Vault firewall when private (e.g. where the token is stored from).')
param keyVaultAllowedIpRanges string[] = []

@description('Name of the Key Vault secret that will hold the MDCA API token (stored after deployment).')
param tokenSecretName string = 'mdca-api-token'

@description('Optional Key Vault secret name holding the syslog mTLS client key (PEM), stored after deployment.')
param syslogTlsKeySecretName string = ''

@description('Optional Key Vault secret name holding the CA bundle (PEM) that signed the SIEM certificate; becomes SYSLOG_TLS_CA.')
param syslogTlsCaSecretName string = ''

@description('Object id of the user, group or pipeline that stores and rotates the token; empty: grant it yourself.')
param tokenAdminPrincipalId string = ''

@allowed(['User', 'Group', 'ServicePrincipal'])
param tokenAdminPrincipalType string = 'User'

@description('Table holding checkpoints and status (letters and digits, starts with a letter).')
param checkpointTableName string = 'relaycheckpoints'

@description('Memory per instance. The relay peaks near 110 MiB RSS at a 100k backlog: 512 is enough and the cheapest.')
@allowed([512, 2048, 4096])
param instanceMemoryMB int = 512

@description('''Instances per function (Flex scales each queue-triggered function on its own). Single tenant: 1, one relay run at
a time is the design (the timer is a singleton). Multi-tenant: ceil(tenants / tenants per instance), tenants per instance =
batchSize + newBatchThreshold of host.json (24) at 512 MB; docs/multi-tenant.md has the arithmetic.''')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 1

@description('Inbound access to the function app (the status endpoint and publishing).')
@allowed(['Enabled', 'Disabled'])
param functionAppPublicNetworkAccess string = 'Enabled'

@description('Public IPv4 ranges allowed to call and publish to the function app; empty: any caller holding a function key.')
param functionAppAllowedIpRanges string[] = []

@description('Existing Log Analytics workspace resource id; empty creates one.')
param logAnalyticsWorkspaceId string = ''

@minValue(30)
@maxValue(730)
param logRetentionInDays int = 90

@description('Existing action group resource id for the alerts. This or alertEmailAddresses is required: a relay that fails silently is the failure it exists to prevent.')
param alertActionGroupId string = ''

@description('E-mail addresses for a new action group (used when alertActionGroupId is empty).')
param alertEmailAddresses string[] = []

@description('Lag alert threshold in seconds.')
@minValue(60)
param lagAlertThresholdSeconds int = 3600

@allowed(['PT30M', 'PT45M', 'PT1H', 'PT2H', 'PT3H', 'PT6H'])
param silenceAlertWindow string = 'PT1H'

@description('Route Key Vault near-expiry/expired events for the token to the relay. Turn on in a second deployment, after the code is published (Event Grid requires the function to exist).')
param enableTokenExpiryEvents bool = false

// Storage and vault names are lowercase and globally unique: a hash of the resource group and base name.
var base = toLower(baseName)
var suffix = uniqueString(resourceGroup().id, base)
var names = {
  identity: 'id-${base}'
  functionApp: 'func-${base}-${suffix}'
  storage: take('st${base}${suffix}', 24)
  keyVault: take('kv-${base}-${suffix}', 24)
  vnet: 'vnet-${base}'
  // No '_': Flex Consumption rejects integration subnets whose name contains one.
  integrationSubnet: 'snet-relay-integration'
  endpointSubnet: 'snet-relay-endpoints'
  monitoring: base
  appInsights: 'appi-${base}'
  deploymentContainer: 'app-package'
  // The fan-out queue: the name the code uses (src/tenants/queue.ts), and the host's poison queue for it.
  tenantQueue: 'relay-tenants'
  tenantPoisonQueue: 'relay-tenants-poison'
}

// ---- Checks that turn a deployment that would fail (or silently not work) into an error naming the parameter.

var siteAccess = functionAppPublicNetworkAccess == 'Disabled' && !functionAppPrivateEndpoint
  ? fail('functionAppPublicNetworkAccess: Disabled leaves no way to publish the code; set functionAppPrivateEndpoint = true (and publish from inside the network) or keep Enabled with functionAppAllowedIpRanges')
  : enableTokenExpiryEvents && functionAppPublicNetworkAccess == 'Disabled'
      // Event Grid delivers over the app's public endpoint only (it cannot use a private endpoint).
      ? fail('enableTokenExpiryEvents: Event Grid cannot deliver to an app whose public access is Disabled; keep functionAppPublicNetworkAccess Enabled with functionAppAllowedIpRanges (the AzureEventGrid service tag is then allowed)')
      : functionAppPublicNetworkAccess
var alertActionGroup = empty(alertActionGroupId) && empty(alertEmailAddresses)
  ? fail('alertActionGroupId or alertEmailAddresses: the alerts must notify someone (give an action group id or e-mail addresses)')
  : alertActionGroupId

// ---- Network: subnet ids and the VNets that must resolve the private zones.

var newVnetId = resourceId('Microsoft.Network/virtualNetworks', names.vnet)
var needsEndpointSubnet = enablePrivateEndpoints || functionAppPrivateEndpoint
var integrationSubnetId = network.mode == 'new'
  ? '${newVnetId}/subnets/${names.integrationSubnet}'
  : network.?integrationSubnetId ?? ''
var endpointSubnetId = network.mode == 'new'
  ? '${newVnetId}/subnets/${names.endpointSubnet}'
  : !empty(network.?privateEndpointSubnetId ?? '')
      ? network.?privateEndpointSubnetId!
      : needsEndpointSubnet
          ? fail('network.privateEndpointSubnetId: required with enablePrivateEndpoints or functionAppPrivateEndpoint (or set both to false)')
          : ''
// The VNet of a subnet id: /subscriptions/s/resourceGroups/g/providers/Microsoft.Network/virtualNetworks/v/subnets/x
var vnetOf = map([integrationSubnetId, endpointSubnetId], id => toLower(join(take(split(id, '/'), 9), '/')))
// Both VNets resolve the zones: the app resolves storage and Key Vault from the integration subnet's VNet, which
// may differ from the endpoints' VNet. union() drops the duplicate when they are the same VNet.
var dnsVnetIds = needsEndpointSubnet ? union([vnetOf[0]], [vnetOf[1]]) : []

// ---- Private DNS zones: per cloud from environment() (no hard-coded host names where environment() has one).

var sitesZoneSuffix = {
  AzureCloud: 'azurewebsites.net'
  AzureUSGovernment: 'azurewebsites.us'
  AzureChinaCloud: 'chinacloudsites.cn'
}
var zoneNames = {
  blob: 'privatelink.blob.${environment().suffixes.storage}'
  queue: 'privatelink.queue.${environment().suffixes.storage}'
  table: 'privatelink.table.${environment().suffixes.storage}'
  // keyvaultDns is '.vault.azure.net'; its private link zone is 'privatelink.vaultcore.azure.net'.
  vault: 'privatelink${replace(environment().suffixes.keyvaultDns, 'vault', 'vaultcore')}'
  sites: 'privatelink.${sitesZoneSuffix[?environment().name] ?? 'azurewebsites.net'}'
}
var backendGroups = enablePrivateEndpoints ? concat(['blob', 'table', 'vault'], multiTenant ? ['queue'] : []) : []
var zoneGroups = concat(backendGroups, functionAppPrivateEndpoint ? ['sites'] : [])
var missingZones = filter(zoneGroups, g => empty(existingPrivateDnsZoneIds[?g] ?? ''))
var zonesToCreate = network.mode == 'new' || createPrivateDnsZones
  ? missingZones
  : empty(missingZones)
      ? []
      : fail('existingPrivateDnsZoneIds: in existing-VNet mode give the ids of the zones for ${join(missingZones, ', ')} (your central privatelink zones), or set createPrivateDnsZones = true to create them here and link them to your VNet')
var zoneIds = toObject(
  zoneGroups,
  g => g,
  g => existingPrivateDnsZoneIds[?g] ?? resourceId('Microsoft.Network/privateDnsZones', zoneNames[g])
)

// ---- Resources.

// The relay's one user-assigned identity, declared here (not in a module) so its id is known before deployment:
// role assignment names derive from it, which keeps them predictable for what-if.
resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: names.identity
  location: location
  tags: tags
}

module newNetwork 'modules/network.bicep' = if (network.mode == 'new') {
  name: 'network'
  params: {
    name: names.vnet
    location: location
    tags: tags
    integrationSubnetName: names.integrationSubnet
    endpointSubnetName: names.endpointSubnet
    addressPrefix: network.?addressPrefix ?? '10.80.0.0/24'
    integrationSubnetPrefix: network.?integrationSubnetPrefix ?? '10.80.0.0/27'
    privateEndpointSubnetPrefix: network.?privateEndpointSubnetPrefix ?? '10.80.0.32/27'
    natGateway: network.?natGateway ?? true
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    namePrefix: names.monitoring
    appInsightsName: names.appInsights
    location: location
    tags: tags
    existingWorkspaceId: logAnalyticsWorkspaceId
    retentionInDays: logRetentionInDays
    identityId: identity.id
    principalId: identity.properties.principalId
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: {
    name: names.storage
    location: location
    tags: tags
    privateOnly: enablePrivateEndpoints
    tenantQueueNames: multiTenant ? [names.tenantQueue, names.tenantPoisonQueue] : []
    deploymentContainerName: names.deploymentContainer
    checkpointTableName: checkpointTableName
    identityId: identity.id
    principalId: identity.properties.principalId
    logAnalyticsWorkspaceId: monitoring.outputs.workspaceId
  }
}

module keyVault 'modules/key-vault.bicep' = {
  name: 'key-vault'
  params: {
    name: names.keyVault
    location: location
    tags: tags
    privateOnly: enablePrivateEndpoints
    allowedIpRanges: keyVaultAllowedIpRanges
    identityId: identity.id
    principalId: identity.properties.principalId
    tokenAdminPrincipalId: tokenAdminPrincipalId
    tokenAdminPrincipalType: tokenAdminPrincipalType
    logAnalyticsWorkspaceId: monitoring.outputs.workspaceId
  }
}

module privateDns 'modules/private-dns.bicep' = if (!empty(zonesToCreate)) {
  name: 'private-dns'
  params: {
    zoneNames: map(zonesToCreate, g => zoneNames[g])
    vnetIds: dnsVnetIds
    tags: tags
  }
  dependsOn: [newNetwork]
}

// Storage and Key Vault endpoints come before the app: the host must reach them privately when it starts.
module backendEndpoints 'modules/private-endpoints.bicep' = if (enablePrivateEndpoints) {
  name: 'private-endpoints'
  params: {
    namePrefix: base
    location: location
    tags: tags
    subnetId: endpointSubnetId
    endpoints: map(backendGroups, g => {
      group: g
      targetId: g == 'vault' ? resourceId('Microsoft.KeyVault/vaults', names.keyVault) : resourceId('Microsoft.Storage/storageAccounts', names.storage)
      zoneId: zoneIds[g]
    })
  }
  dependsOn: [newNetwork, privateDns, storage, keyVault]
}

module functionApp 'modules/function-app.bicep' = {
  name: 'function-app'
  params: {
    name: names.functionApp
    location: location
    tags: tags
    identityId: identity.id
    identityClientId: identity.properties.clientId
    integrationSubnetId: integrationSubnetId
    deploymentContainerUrl: storage.outputs.deploymentContainerUrl
    blobEndpoint: storage.outputs.blobEndpoint
    queueEndpoint: storage.outputs.queueEndpoint
    multiTenant: multiTenant
    tableEndpoint: storage.outputs.tableEndpoint
    appInsightsName: names.appInsights
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    publicNetworkAccess: siteAccess
    inboundAllowedIpRanges: functionAppAllowedIpRanges
    allowEventGrid: enableTokenExpiryEvents
    settings: relay
    checkpointTableName: checkpointTableName
    keyVaultUri: keyVault.outputs.uri
    tokenSecretName: tokenSecretName
    syslogTlsKeySecretName: syslogTlsKeySecretName
    syslogTlsCaSecretName: syslogTlsCaSecretName
  }
  // The app must not start before it can reach storage and Key Vault privately (monitoring comes first through them).
  dependsOn: [newNetwork, backendEndpoints]
}

module siteEndpoint 'modules/private-endpoints.bicep' = if (functionAppPrivateEndpoint) {
  name: 'site-private-endpoint'
  params: {
    namePrefix: base
    location: location
    tags: tags
    subnetId: endpointSubnetId
    endpoints: [
      { group: 'sites', targetId: resourceId('Microsoft.Web/sites', names.functionApp), zoneId: zoneIds.?sites ?? '' }
    ]
  }
  dependsOn: [newNetwork, privateDns, functionApp]
}

module alerts 'modules/alerts.bicep' = {
  name: 'alerts'
  params: {
    namePrefix: base
    location: location
    tags: tags
    appInsightsId: resourceId('Microsoft.Insights/components', names.appInsights)
    actionGroupId: alertActionGroup
    emailAddresses: alertEmailAddresses
    lagThresholdSeconds: lagAlertThresholdSeconds
    silenceWindow: silenceAlertWindow
  }
  dependsOn: [monitoring]
}

module tokenEvents 'modules/token-events.bicep' = if (enableTokenExpiryEvents) {
  name: 'token-events'
  params: {
    namePrefix: base
    location: location
    tags: tags
    keyVaultName: names.keyVault
    functionAppName: names.functionApp
    tokenSecretName: tokenSecretName
  }
  dependsOn: [keyVault, functionApp]
}

// Names only: the token is stored after deployment and never passes through the template or its outputs.
output functionAppName string = names.functionApp
output functionAppHostName string = functionApp.outputs.defaultHostName
output keyVaultName string = names.keyVault
output tokenSecretName string = tokenSecretName
output storageAccountName string = names.storage
output identityClientId string = identity.properties.clientId
output appInsightsName string = names.appInsights
