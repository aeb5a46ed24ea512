// Key Vault -> Event Grid -> the `keyVaultTokenExpiry` function (functions/keyvault-events.ts): the relay records a
// warning when the token secret nears expiry (30 days before `exp`) or expires. Deploy after the code is published:
// Event Grid checks that the function exists when the subscription is created.

param namePrefix string
param location string
param tags object
param keyVaultName string
param functionAppName string
param tokenSecretName string

resource vault 'Microsoft.KeyVault/vaults@2026-05-15' existing = {
  name: keyVaultName
}

resource site 'Microsoft.Web/sites@2025-03-01' existing = {
  name: functionAppName

  resource expiryFunction 'functions' existing = {
    name: 'keyVaultTokenExpiry'
  }
}

resource topic 'Microsoft.EventGrid/systemTopics@2025-02-15' = {
  name: 'evgt-${namePrefix}-vault'
  location: location
  tags: tags
  properties: {
    source: vault.id
    topicType: 'Microsoft.KeyVault.vaults'
  }

  resource toRelay 'eventSubscriptions' = {
    name: 'token-expiry-to-relay'
    properties: {
      // AzureFunction delivery uses the function's resource id: no function key passes through the template.
      destination: {
        endpointType: 'AzureFunction'
        properties: {
          resourceId: site::expiryFunction.id
          maxEventsPerBatch: 1
        }
      }
      filter: {
        includedEventTypes: ['Microsoft.KeyVault.SecretNearExpiry', 'Microsoft.KeyVault.SecretExpired']
        // Key Vault event subjects are the object name: only the token secret's events.
        subjectBeginsWith: tokenSecretName
        subjectEndsWith: tokenSecretName
      }
      eventDeliverySchema: 'EventGridSchema'
    }
  }
}

output topicId string = topic.id
