// The relay's Flex Consumption function app (FC1, Node 22): user-assigned identity, identity-based host storage,
// hardened site, VNet integration, and the one app-settings object the code reads (src/config/settings.ts).

import { relaySettings } from '../types.bicep'

param name string
param location string
param tags object
param identityId string
param identityClientId string
param integrationSubnetId string
param deploymentContainerUrl string
param blobEndpoint string
param queueEndpoint string
@description('Multi-tenant mode: the host gets its queue endpoint and the code RELAY_MULTI_TENANT=true; off: no host queues. A parameter, not empty(queueEndpoint): the endpoint is known only during deployment, and the settings object must be predictable.')
param multiTenant bool
param tableEndpoint string
param appInsightsName string
@allowed([512, 2048, 4096])
param instanceMemoryMB int
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int
@allowed(['Enabled', 'Disabled'])
param publicNetworkAccess string
@description('Public IPv4 ranges (CIDR) allowed to call the app (the status endpoint); empty allows any caller with a function key.')
param inboundAllowedIpRanges string[]
@description('Allow the AzureEventGrid service tag through the IP allow-list (token expiry events are on).')
param allowEventGrid bool
param settings relaySettings
param checkpointTableName string
@description('Vault URI (https://<vault>.vault.azure.net/) holding the secrets below.')
param keyVaultUri string
@description('Secret holding the API token (token auth); stored after deployment.')
param tokenSecretName string
@description('Secret holding the syslog mTLS client key (PEM); empty: no client key.')
param syslogTlsKeySecretName string
@description('Secret holding the CA bundle (PEM) for the SIEM certificate; empty: settings.SYSLOG_TLS_CA or the system CAs.')
param syslogTlsCaSecretName string

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: appInsightsName
}

resource plan 'Microsoft.Web/serverfarms@2025-03-01' = {
  name: 'plan-${name}'
  location: location
  tags: tags
  kind: 'functionapp'
  sku: { name: 'FC1', tier: 'FlexConsumption' }
  properties: { reserved: true }
}

// Settings the Functions host and platform read. Flex Consumption rejects FUNCTIONS_WORKER_RUNTIME and
// FUNCTIONS_EXTENSION_VERSION (functionAppConfig.runtime replaces them).
var platformSettings = {
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  AzureWebJobsStorage__blobServiceUri: blobEndpoint
  AzureWebJobsStorage__tableServiceUri: tableEndpoint
  APPLICATIONINSIGHTS_CONNECTION_STRING: appInsights.properties.ConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
}
// Multi-tenant: the fan-out's queue trigger and dispatcher use the host connection (identity-based, queue endpoint), and the
// code registers the fan-out functions instead of the single relay timer.
var queueSettings = multiTenant ? { AzureWebJobsStorage__queueServiceUri: queueEndpoint, RELAY_MULTI_TENANT: 'true' } : {}

// Settings the relay's code reads that this template derives from what it creates.
var derivedSettings = union(
  {
    AZURE_CLIENT_ID: identityClientId
    RELAY_CHECKPOINT_TABLE: checkpointTableName
  },
  // Versionless URI: the relay reads the current version at run time, so a rotated token needs no redeploy.
  // The Graph source (RELAY_SOURCE=graph) uses no MDCA token: its managed identity, or GRAPH_CLIENT_*_URI.
  (settings.?RELAY_SOURCE ?? 'mdca') == 'mdca' && (settings.?MDCA_AUTH ?? 'token') == 'token' ? { MDCA_TOKEN_SECRET_URI: '${keyVaultUri}secrets/${tokenSecretName}' } : {},
  // A Key Vault reference resolved by the platform with keyVaultReferenceIdentity: the key never passes through
  // the deployment.
  empty(syslogTlsKeySecretName)
    ? {}
    : { SYSLOG_TLS_KEY: '@Microsoft.KeyVault(SecretUri=${keyVaultUri}secrets/${syslogTlsKeySecretName})' },
  // A multi-line PEM is awkward in a parameter file; the vault holds it and the platform resolves it the same way.
  empty(syslogTlsCaSecretName)
    ? {}
    : empty(settings.?SYSLOG_TLS_CA ?? '')
        ? { SYSLOG_TLS_CA: '@Microsoft.KeyVault(SecretUri=${keyVaultUri}secrets/${syslogTlsCaSecretName})' }
        : fail('syslogTlsCaSecretName: give the CA either inline (relay.SYSLOG_TLS_CA) or as a Key Vault secret, not both')
)

// The deployer's relay settings; keys left out are not set, so the code's defaults apply.
var chosenSettings = toObject(filter(items(settings), s => !empty(s.?value)), s => s.key, s => string(s.?value))

var allowListRules = [
  for (range, i) in inboundAllowedIpRanges: {
    name: 'allow-${i}'
    action: 'Allow'
    ipAddress: range
    priority: 100 + i
  }
]
var ipRestrictions = concat(
  allowListRules,
  // Event Grid delivers from its own public addresses: without this rule an allow-list drops every expiry event.
  allowEventGrid && !empty(inboundAllowedIpRanges)
    ? [{ name: 'allow-event-grid', action: 'Allow', tag: 'ServiceTag', ipAddress: 'AzureEventGrid', priority: 300 }]
    : []
)

resource site 'Microsoft.Web/sites@2025-03-01' = {
  name: name
  location: location
  tags: tags
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identityId}': {} }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    clientCertEnabled: false
    publicNetworkAccess: publicNetworkAccess
    virtualNetworkSubnetId: integrationSubnetId
    keyVaultReferenceIdentity: identityId
    siteConfig: {
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      ftpsState: 'Disabled'
      remoteDebuggingEnabled: false
      http20Enabled: true
      ipSecurityRestrictions: ipRestrictions
      ipSecurityRestrictionsDefaultAction: empty(inboundAllowedIpRanges) ? 'Allow' : 'Deny'
      scmIpSecurityRestrictionsUseMain: true
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: deploymentContainerUrl
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: { name: 'node', version: '22' }
    }
  }

  resource appSettings 'config' = {
    name: 'appsettings'
    properties: union(platformSettings, queueSettings, derivedSettings, chosenSettings)
  }

  // No FTP or basic-auth deployment: publishing uses Entra tokens (az login / func azure functionapp publish).
  resource ftpPolicy 'basicPublishingCredentialsPolicies' = {
    name: 'ftp'
    properties: { allow: false }
  }

  resource scmPolicy 'basicPublishingCredentialsPolicies' = {
    name: 'scm'
    properties: { allow: false }
  }
}

output id string = site.id
output name string = site.name
output defaultHostName string = site.properties.defaultHostName
