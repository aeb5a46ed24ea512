// mdca-siem-relay: one resource-group deployment of the relay as a private, least-privilege Flex Consumption
// function app. Guide: docs/deployment.md. Facts: learn.microsoft.com flex-consumption-plan, functions-networking-options.

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

@description('Public IPv4 ranges allowed through the Key Vault firewall when private (e.g. where the token is stored from).')
param keyVaultAllowedIpRanges string[] = []

@description('Name of the Key Vault secret that will hold the MDCA API token (stored after deployment).')
param tokenSecretName string = 'mdca-api-token'

@description('Optional Key Vault secret name holding the syslog mTLS client key (PEM), stored after deployment.')
param syslogTlsKeySecretName string = ''

@description('Object id of the user, group or pipeline that stores and rotates the token; empty: grant it yourself.')
param tokenAdminPrincipalId string = ''

@allowed(['User', 'Group', 'ServicePrincipal'])
param tokenAdminPrincipalType string = 'User'

@description('Table holding checkpoints and status (letters and digits, starts with a letter).')
param checkpointTableName string = 'relaycheckpoints'

@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048

@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Inbound access to the function app (the status endpoint and publishing).')
@allowed(['Enabled', 'Disabled'])
param functionAppPublicNetworkAccess string = 'Enabled'

@description('Public IPv4 ranges allowed to call the function app; empty: any caller holding a function key.')
param functionAppAllowedIpRanges string[] = []

@description('Existing Log Analytics workspace resource id; empty creates one.')
param logAnalyticsWorkspaceId string = ''

@minValue(30)
@maxValue(730)
param logRetentionInDays int = 90

@description('Action group resource id for the alerts; empty: alerts show in the portal only.')
param alertActionGroupId string = ''

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
  monitoring: base
  deploymentContainer: 'app-package'
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  params: { name: names.identity, location: location, tags: tags }
}

module newNetwork 'modules/network.bicep' = if (network.mode == 'new') {
  name: 'network'
  params: {
    name: names.vnet
    location: location
    tags: tags
    addressPrefix: network.?addressPrefix ?? '10.80.0.0/24'
    integrationSubnetPrefix: network.?integrationSubnetPrefix ?? '10.80.0.0/27'
    privateEndpointSubnetPrefix: network.?privateEndpointSubnetPrefix ?? '10.80.0.32/27'
    natGateway: network.?natGateway ?? true
  }
}

var integrationSubnetId = network.mode == 'new' ? newNetwork!.outputs.integrationSubnetId : network.?integrationSubnetId ?? ''
var endpointSubnetId = network.mode == 'new'
  ? newNetwork!.outputs.privateEndpointSubnetId
  : !empty(network.?privateEndpointSubnetId ?? '')
      ? network.?privateEndpointSubnetId!
      : enablePrivateEndpoints
          ? fail('network.privateEndpointSubnetId: required with enablePrivateEndpoints (or set enablePrivateEndpoints to false)')
          : ''
// The VNet of a subnet id: /subscriptions/s/resourceGroups/g/providers/Microsoft.Network/virtualNetworks/v/subnets/x
var vnetId = join(take(split(endpointSubnetId, '/'), 9), '/')

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    namePrefix: names.monitoring
    location: location
    tags: tags
    existingWorkspaceId: logAnalyticsWorkspaceId
    retentionInDays: logRetentionInDays
    principalId: identity.outputs.principalId
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: {
    name: names.storage
    location: location
    tags: tags
    privateOnly: enablePrivateEndpoints
    deploymentContainerName: names.deploymentContainer
    checkpointTableName: checkpointTableName
    principalId: identity.outputs.principalId
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
    principalId: identity.outputs.principalId
    tokenAdminPrincipalId: tokenAdminPrincipalId
    tokenAdminPrincipalType: tokenAdminPrincipalType
    logAnalyticsWorkspaceId: monitoring.outputs.workspaceId
  }
}

module privateEndpoints 'modules/private-endpoints.bicep' = if (enablePrivateEndpoints) {
  name: 'private-endpoints'
  params: {
    namePrefix: baseName
    location: location
    tags: tags
    subnetId: endpointSubnetId
    vnetId: vnetId
    storageAccountId: storage.outputs.id
    keyVaultId: keyVault.outputs.id
    existingZoneIds: existingPrivateDnsZoneIds
  }
}

module functionApp 'modules/function-app.bicep' = {
  name: 'function-app'
  params: {
    name: names.functionApp
    location: location
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    integrationSubnetId: integrationSubnetId
    deploymentContainerUrl: storage.outputs.deploymentContainerUrl
    blobEndpoint: storage.outputs.blobEndpoint
    queueEndpoint: storage.outputs.queueEndpoint
    tableEndpoint: storage.outputs.tableEndpoint
    appInsightsName: monitoring.outputs.appInsightsName
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    publicNetworkAccess: functionAppPublicNetworkAccess
    inboundAllowedIpRanges: functionAppAllowedIpRanges
    settings: relay
    checkpointTableName: checkpointTableName
    keyVaultUri: keyVault.outputs.uri
    tokenSecretName: tokenSecretName
    syslogTlsKeySecretName: syslogTlsKeySecretName
  }
  // The app must not start before it can reach storage and Key Vault privately.
  dependsOn: [privateEndpoints]
}

module alerts 'modules/alerts.bicep' = {
  name: 'alerts'
  params: {
    namePrefix: baseName
    location: location
    tags: tags
    appInsightsId: monitoring.outputs.appInsightsId
    actionGroupId: alertActionGroupId
    lagThresholdSeconds: lagAlertThresholdSeconds
    silenceWindow: silenceAlertWindow
  }
}

module tokenEvents 'modules/token-events.bicep' = if (enableTokenExpiryEvents) {
  name: 'token-events'
  params: {
    namePrefix: baseName
    location: location
    tags: tags
    keyVaultName: keyVault.outputs.name
    functionAppName: functionApp.outputs.name
    tokenSecretName: tokenSecretName
  }
}

// Names only: the token is stored after deployment and never passes through the template or its outputs.
output functionAppName string = functionApp.outputs.name
output functionAppHostName string = functionApp.outputs.defaultHostName
output keyVaultName string = keyVault.outputs.name
output tokenSecretName string = tokenSecretName
output storageAccountName string = storage.outputs.name
output identityClientId string = identity.outputs.clientId
output appInsightsName string = monitoring.outputs.appInsightsName
