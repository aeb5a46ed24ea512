// A new VNet for the relay: a subnet delegated to Microsoft.App/environments for Flex Consumption VNet integration
// (/27 or larger, https://learn.microsoft.com/azure/azure-functions/flex-consumption-plan) and one for private endpoints.

param name string
param location string
param tags object
@description('No "_" in the name: Flex Consumption rejects integration subnets whose name contains one.')
param integrationSubnetName string
param endpointSubnetName string
param addressPrefix string
param integrationSubnetPrefix string
param privateEndpointSubnetPrefix string
@description('Give the integration subnet internet egress through a NAT gateway (one static public IP).')
param natGateway bool

// Empty NSGs keep the platform defaults but give the customer a place for egress rules to the SIEM
// (NSGs on the integration subnet apply to the syslog traffic).
resource integrationNsg 'Microsoft.Network/networkSecurityGroups@2026-03-01' = {
  name: 'nsg-${name}-integration'
  location: location
  tags: tags
}

resource endpointNsg 'Microsoft.Network/networkSecurityGroups@2026-03-01' = {
  name: 'nsg-${name}-endpoints'
  location: location
  tags: tags
}

// Flex Consumption sends all outbound traffic through the integration subnet, so the MDCA API, Entra ID and Azure
// Monitor are reached through this VNet too: without a NAT gateway (or a firewall route) the subnet may have no
// internet egress (private subnets, no default outbound access). The static IP is also what the MDCA side sees.
resource egressIp 'Microsoft.Network/publicIPAddresses@2026-03-01' = if (natGateway) {
  name: 'pip-${name}-egress'
  location: location
  tags: tags
  sku: { name: 'Standard' }
  properties: { publicIPAllocationMethod: 'Static', publicIPAddressVersion: 'IPv4' }
}

resource nat 'Microsoft.Network/natGateways@2026-03-01' = if (natGateway) {
  name: 'ng-${name}'
  location: location
  tags: tags
  sku: { name: 'Standard' }
  properties: {
    idleTimeoutInMinutes: 10
    publicIpAddresses: [{ id: egressIp.id }]
  }
}

resource vnet 'Microsoft.Network/virtualNetworks@2026-03-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    addressSpace: { addressPrefixes: [addressPrefix] }
    subnets: [
      {
        name: integrationSubnetName
        properties: {
          addressPrefix: integrationSubnetPrefix
          networkSecurityGroup: { id: integrationNsg.id }
          natGateway: natGateway ? { id: nat.id } : null
          delegations: [
            { name: 'flex-consumption', properties: { serviceName: 'Microsoft.App/environments' } }
          ]
        }
      }
      {
        name: endpointSubnetName
        properties: {
          addressPrefix: privateEndpointSubnetPrefix
          networkSecurityGroup: { id: endpointNsg.id }
          privateEndpointNetworkPolicies: 'Enabled'
        }
      }
    ]
  }

  resource integrationSubnet 'subnets' existing = {
    name: integrationSubnetName
  }

  resource endpointSubnet 'subnets' existing = {
    name: endpointSubnetName
  }
}

output vnetId string = vnet.id
output integrationSubnetId string = vnet::integrationSubnet.id
output privateEndpointSubnetId string = vnet::endpointSubnet.id
