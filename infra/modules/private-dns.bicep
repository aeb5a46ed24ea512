// Private DNS zones this deployment creates (privatelink.*), each linked to every VNet that must resolve it: the
// integration subnet's VNet (where the app resolves storage and Key Vault) and the endpoints' VNet, once each.

param zoneNames string[]
@description('Lower-cased VNet ids, without duplicates.')
param vnetIds string[]
param tags object

// One link per (zone, VNet) pair, flattened: Bicep has no nested resource loops.
var links = flatten(map(range(0, length(zoneNames)), z => map(vnetIds, v => { zone: z, vnetId: v })))

resource zones 'Microsoft.Network/privateDnsZones@2024-06-01' = [
  for zone in zoneNames: {
    name: zone
    location: 'global'
    tags: tags
  }
]

resource vnetLinks 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2024-06-01' = [
  for l in links: {
    parent: zones[l.zone]
    // Named after the VNet, so the same VNet given twice could not make two links.
    name: 'link-${uniqueString(l.vnetId)}'
    location: 'global'
    tags: tags
    properties: {
      registrationEnabled: false
      // vnetIds are subnet ids cut to their VNet (main.bicep): resource ids, though not built by resourceId().
      #disable-next-line use-resource-id-functions
      virtualNetwork: { id: l.vnetId }
    }
  }
]

output zoneIds string[] = [for (zone, i) in zoneNames: zones[i].id]
