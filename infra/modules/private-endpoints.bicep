// Private endpoints for host storage (blob, queue, table) and Key Vault (vault), each registered in its
// privatelink DNS zone; zones not supplied by the customer are created here and linked to the VNet.

import { privateDnsZoneIds } from '../types.bicep'

param namePrefix string
param location string
param tags object
param subnetId string
param vnetId string
param storageAccountId string
param keyVaultId string
param existingZoneIds privateDnsZoneIds

// Zone names per cloud from environment() (no hard-coded host names); keyvaultDns is '.vault.azure.net', whose
// private link zone is 'privatelink.vaultcore.azure.net'.
var targets = [
  { group: 'blob', zone: 'privatelink.blob.${environment().suffixes.storage}' }
  { group: 'queue', zone: 'privatelink.queue.${environment().suffixes.storage}' }
  { group: 'table', zone: 'privatelink.table.${environment().suffixes.storage}' }
  {
    group: 'vault'
    zone: 'privatelink${replace(environment().suffixes.keyvaultDns, 'vault', 'vaultcore')}'
  }
]

resource zones 'Microsoft.Network/privateDnsZones@2024-06-01' = [
  for t in targets: if (empty(existingZoneIds[?t.group] ?? '')) {
    name: t.zone
    location: 'global'
    tags: tags
  }
]

resource links 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2024-06-01' = [
  for (t, i) in targets: if (empty(existingZoneIds[?t.group] ?? '')) {
    parent: zones[i]
    name: 'link-${uniqueString(vnetId)}'
    location: 'global'
    tags: tags
    properties: {
      registrationEnabled: false
      virtualNetwork: { id: vnetId }
    }
  }
]

resource endpoints 'Microsoft.Network/privateEndpoints@2026-03-01' = [
  for (t, i) in targets: {
    name: 'pe-${namePrefix}-${t.group}'
    location: location
    tags: tags
    properties: {
      subnet: { id: subnetId }
      privateLinkServiceConnections: [
        {
          name: 'pe-${namePrefix}-${t.group}'
          properties: {
            privateLinkServiceId: t.group == 'vault' ? keyVaultId : storageAccountId
            groupIds: [t.group]
          }
        }
      ]
    }
  }
]

// The zone group writes and removes the endpoint's A record with the endpoint's lifetime.
resource zoneGroups 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups@2026-03-01' = [
  for (t, i) in targets: {
    parent: endpoints[i]
    name: 'default'
    properties: {
      privateDnsZoneConfigs: [
        {
          name: t.group
          properties: { privateDnsZoneId: existingZoneIds[?t.group] ?? zones[i].id }
        }
      ]
    }
  }
]

output endpointIds string[] = [for (t, i) in targets: endpoints[i].id]
