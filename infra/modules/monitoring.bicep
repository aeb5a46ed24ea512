// Workspace-based Application Insights with local (instrumentation key) auth off: the app sends telemetry with its
// identity (APPLICATIONINSIGHTS_AUTHENTICATION_STRING) and needs Monitoring Metrics Publisher on the component.

import { roleIds } from '../roles.bicep'

param namePrefix string
param appInsightsName string
param location string
param tags object
@description('Resource id of an existing Log Analytics workspace; empty creates one.')
param existingWorkspaceId string
param retentionInDays int
@description('Resource id of the app identity: the role assignment name derives from it (known before deployment).')
param identityId string
param principalId string

resource workspace 'Microsoft.OperationalInsights/workspaces@2026-03-01' = if (empty(existingWorkspaceId)) {
  name: 'log-${namePrefix}'
  location: location
  tags: tags
  properties: {
    sku: { name: 'PerGB2018' }
    retentionInDays: retentionInDays
    features: { disableLocalAuth: true }
  }
}

var workspaceId = empty(existingWorkspaceId) ? workspace.id : existingWorkspaceId

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: appInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspaceId
    DisableLocalAuth: true
    IngestionMode: 'LogAnalytics'
    publicNetworkAccessForIngestion: 'Enabled'
    publicNetworkAccessForQuery: 'Enabled'
  }
}

resource metricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(appInsights.id, identityId, roleIds.monitoringMetricsPublisher)
  scope: appInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.monitoringMetricsPublisher)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

output appInsightsId string = appInsights.id
output appInsightsName string = appInsights.name
output workspaceId string = workspaceId
