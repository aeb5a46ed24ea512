// The Key Vault that holds the MDCA API token: RBAC only, soft delete with purge protection. The template creates
// no secret: the deployer stores the token after deployment (docs/deployment.md).

import { roleIds } from '../roles.bicep'

param name string
param location string
param tags object
param privateOnly bool
@description('Public IPv4 ranges allowed through the vault firewall when privateOnly (e.g. the deployer storing the token).')
param allowedIpRanges string[]
@description('Resource id of the app identity: the role assignment name derives from it (known before deployment).')
param identityId string
@description('Principal id of the app identity (Key Vault Secrets User).')
param principalId string
@description('Optional principal that stores and rotates the token (Key Vault Secrets Officer).')
param tokenAdminPrincipalId string
param tokenAdminPrincipalType string
param logAnalyticsWorkspaceId string

resource vault 'Microsoft.KeyVault/vaults@2026-05-15' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    // Purge protection cannot be turned off again; it stops a deleted token vault being purged early.
    enablePurgeProtection: true
    enabledForDeployment: false
    enabledForDiskEncryption: false
    enabledForTemplateDeployment: false
    publicNetworkAccess: privateOnly && empty(allowedIpRanges) ? 'Disabled' : 'Enabled'
    networkAcls: {
      defaultAction: privateOnly ? 'Deny' : 'Allow'
      bypass: 'None'
      ipRules: [for range in allowedIpRanges: { value: range }]
    }
  }
}

resource secretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, identityId, roleIds.keyVaultSecretsUser)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.keyVaultSecretsUser)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

resource secretsOfficer 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(tokenAdminPrincipalId)) {
  name: guid(vault.id, tokenAdminPrincipalId, roleIds.keyVaultSecretsOfficer)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.keyVaultSecretsOfficer)
    principalId: tokenAdminPrincipalId
    principalType: tokenAdminPrincipalType
  }
}

// Audit who read or changed the token. 2021-05-01-preview is the newest version with categoryGroup; the linter's
// 'acceptable' 2016-09-01 predates it.
#disable-next-line use-recent-api-versions
resource audit 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'audit'
  scope: vault
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    logs: [{ categoryGroup: 'audit', enabled: true }]
  }
}

output id string = vault.id
output name string = vault.name
output uri string = vault.properties.vaultUri
