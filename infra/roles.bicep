// Built-in Azure role definition ids the relay's identity is granted, and the deterministic assignment name rule.
// Ids: https://learn.microsoft.com/azure/role-based-access-control/built-in-roles

@export()
@description('Built-in role definition ids (GUIDs) used by this deployment.')
var roleIds = {
  // Host storage: the Functions host takes blob leases (timer singleton) and reads the Flex deployment package.
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  // Host queues: only with enableQueues (the multi-tenant fan-out); the single-tenant triggers use none.
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  // The checkpoint table only (assigned at table scope).
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  // Read the MDCA API token at run time.
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
  // Optional: the person or pipeline that stores and rotates the token.
  keyVaultSecretsOfficer: 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'
  // Send telemetry to Application Insights with Entra auth (local auth is off).
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
}
