// Private endpoints in one subnet, each registered in its privatelink DNS zone by a zone group (which writes and
// removes the A records with the endpoint's lifetime). Used twice by main.bicep: storage and Key Vault before the app
// starts, and the app's own endpoint (group 'sites') after the app exists.

@export()
type privateEndpointTarget = {
  @description('Private link group id: blob, queue, table, vault or sites.')
  group: string
  @description('Resource id of the storage account, vault or function app.')
  targetId: string
  @description('Resource id of the privatelink zone for the group.')
  zoneId: string
}

param namePrefix string
param location string
param tags object
param subnetId string
param endpoints privateEndpointTarget[]

resource endpoint 'Microsoft.Network/privateEndpoints@2026-03-01' = [
  for e in endpoints: {
    name: 'pe-${namePrefix}-${e.group}'
    location: location
    tags: tags
    properties: {
      subnet: { id: subnetId }
      privateLinkServiceConnections: [
        {
          name: 'pe-${namePrefix}-${e.group}'
          properties: {
            // main.bicep builds targetId and zoneId with resourceId(); the linter cannot see through the object.
            #disable-next-line use-resource-id-functions
            privateLinkServiceId: e.targetId
            groupIds: [e.group]
          }
        }
      ]
    }
  }
]

resource zoneGroup 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups@2026-03-01' = [
  for (e, i) in endpoints: {
    parent: endpoint[i]
    name: 'default'
    properties: {
      privateDnsZoneConfigs: [
        {
          name: e.group
          #disable-next-line use-resource-id-functions
          properties: { privateDnsZoneId: e.zoneId }
        }
      ]
    }
  }
]

output endpointIds string[] = [for (e, i) in endpoints: endpoint[i].id]
