// Host storage for the function app: identity-only (shared key off), the Flex deployment container, the checkpoint
// table, the app identity's least-privilege data roles, and audit logs of every data-plane read, write and delete.

import { roleIds } from '../roles.bicep'

param name string
param location string
param tags object
@description('Disable public network access (reached through private endpoints only).')
param privateOnly bool
param deploymentContainerName string
param checkpointTableName string
@description('The multi-tenant fan-out queue and its poison queue; empty (single tenant): no queue and no queue role.')
param tenantQueueNames string[]
@description('Resource id of the app identity: role assignment names derive from it (known before deployment).')
param identityId string
@description('Principal id of the app identity (a property only: it is known only once the identity exists).')
param principalId string
param logAnalyticsWorkspaceId string

resource account 'Microsoft.Storage/storageAccounts@2026-06-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: { name: 'Standard_LRS' }
  properties: {
    // Every client (the host, the deployment service, the checkpoint store) uses Entra tokens.
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: privateOnly ? 'Disabled' : 'Enabled'
    networkAcls: {
      defaultAction: privateOnly ? 'Deny' : 'Allow'
      bypass: 'AzureServices'
    }
    encryption: {
      keySource: 'Microsoft.Storage'
      requireInfrastructureEncryption: true
      services: {
        blob: { enabled: true, keyType: 'Account' }
        file: { enabled: true, keyType: 'Account' }
        queue: { enabled: true, keyType: 'Account' }
        table: { enabled: true, keyType: 'Account' }
      }
    }
  }

  resource blobService 'blobServices' = {
    name: 'default'
    properties: {
      deleteRetentionPolicy: { enabled: true, days: 7 }
      containerDeleteRetentionPolicy: { enabled: true, days: 7 }
    }

    // Flex Consumption reads the app package from here (functionAppConfig.deployment.storage).
    resource deploymentContainer 'containers' = {
      name: deploymentContainerName
      properties: { publicAccess: 'None' }
    }
  }

  resource queueService 'queueServices' existing = {
    name: 'default'
  }

  resource tableService 'tableServices' = {
    name: 'default'

    resource checkpointTable 'tables' = {
      name: checkpointTableName
    }
  }
}

var multiTenant = !empty(tenantQueueNames)

// Created here rather than by the host on first use: the identity's queue role is scoped to these two queues alone.
resource tenantQueues 'Microsoft.Storage/storageAccounts/queueServices/queues@2026-06-01' = [
  for q in tenantQueueNames: {
    parent: account::queueService
    name: q
  }
]

// Assignment names are guid(scope, identity resource id, role): redeploying finds the same assignment instead of
// failing with RoleAssignmentExists, and what-if can name it before the identity exists.
resource blobOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(account.id, identityId, roleIds.storageBlobDataOwner)
  scope: account
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.storageBlobDataOwner)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// Queues only for the multi-tenant fan-out, and only these two: the dispatcher sends to the tenant queue, the queue trigger
// reads and deletes from it and moves a message that keeps failing to the poison queue (and the status reads its length).
// Timer, HTTP and Event Grid triggers use blobs (leases) alone.
resource queueContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for (q, i) in tenantQueueNames: {
    name: guid(tenantQueues[i].id, identityId, roleIds.storageQueueDataContributor)
    scope: tenantQueues[i]
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.storageQueueDataContributor)
      principalId: principalId
      principalType: 'ServicePrincipal'
    }
  }
]

// Table access is scoped to the checkpoint table alone.
resource checkpointContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(account::tableService::checkpointTable.id, identityId, roleIds.storageTableDataContributor)
  scope: account::tableService::checkpointTable
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.storageTableDataContributor)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// Audit: StorageRead, StorageWrite and StorageDelete of the data the relay keeps (checkpoints, the app package, host
// leases). 2021-05-01-preview is the newest version with categoryGroup (as for the vault's audit setting).
#disable-next-line use-recent-api-versions
resource blobAudit 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'audit'
  scope: account::blobService
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    logs: [{ categoryGroup: 'audit', enabled: true }]
  }
}

#disable-next-line use-recent-api-versions
resource tableAudit 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'audit'
  scope: account::tableService
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    logs: [{ categoryGroup: 'audit', enabled: true }]
  }
}

#disable-next-line use-recent-api-versions
resource queueAudit 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = if (multiTenant) {
  name: 'audit'
  scope: account::queueService
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    logs: [{ categoryGroup: 'audit', enabled: true }]
  }
}

output id string = account.id
output name string = account.name
output blobEndpoint string = account.properties.primaryEndpoints.blob
output queueEndpoint string = account.properties.primaryEndpoints.queue
output tableEndpoint string = account.properties.primaryEndpoints.table
output deploymentContainerUrl string = '${account.properties.primaryEndpoints.blob}${deploymentContainerName}'
