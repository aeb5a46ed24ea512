// What a deployment would create for each parameter choice (bicep snapshot): private endpoints present only when
// switched on, the network chosen, existing DNS zones honoured, and role assignments least-privilege and named
// deterministically.
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { exampleParamsBody, ofType, only, snapshot, snapshotScope, type ArmResource, type Json, type Snapshot } from './bicep.js';

const roles = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b',
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88',
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3',
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6',
  keyVaultSecretsOfficer: 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7',
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb',
};

const hubZone = (zone: string): string =>
  `/subscriptions/22222222-2222-2222-2222-222222222222/resourceGroups/rg-hub-dns/providers/Microsoft.Network/privateDnsZones/${zone}`;
const adminId = '33333333-3333-3333-3333-333333333333';

const publicNewVnet = `
param baseName = 'relaytest'
param network = { mode: 'new', addressPrefix: '10.9.0.0/24', integrationSubnetPrefix: '10.9.0.0/26', privateEndpointSubnetPrefix: '10.9.0.64/27' }
param enablePrivateEndpoints = false
param relay = { MDCA_PORTAL_URL: 'https://contoso.portal.cloudappsecurity.com', MDCA_AUTH: 'entra', SYSLOG_HOST: '10.1.2.3' }
`;
const hubZones = `
param baseName = 'relayhub'
param network = { mode: 'existing', integrationSubnetId: '/subscriptions/${snapshotScope.subscriptionId}/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-a/subnets/snet-int', privateEndpointSubnetId: '/subscriptions/${snapshotScope.subscriptionId}/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-a/subnets/snet-pe' }
param existingPrivateDnsZoneIds = { blob: '${hubZone('privatelink.blob.core.windows.net')}', vault: '${hubZone('privatelink.vaultcore.azure.net')}' }
param tokenAdminPrincipalId = '${adminId}'
param tokenAdminPrincipalType = 'Group'
param relay = { MDCA_PORTAL_URL: 'https://contoso.portal.cloudappsecurity.com', SYSLOG_HOST: '10.1.2.3' }
`;

let example: Snapshot;
let open: Snapshot;
let hub: Snapshot;

beforeAll(async () => {
  const runs = await Promise.all([snapshot(await exampleParamsBody()), snapshot(publicNewVnet), snapshot(hubZones)]);
  for (const run of runs) if (!run.snapshot) throw new Error(`bicep snapshot failed:\n${run.result.output}`);
  [example, open, hub] = runs.map((r) => r.snapshot!) as [Snapshot, Snapshot, Snapshot];
});

const props = (r: ArmResource): Json => (r.properties ?? {}) as Json;
const res = (s: Snapshot, type: string): ArmResource[] => ofType(s.predictedResources, type);
const groupIds = (s: Snapshot): string[] =>
  res(s, 'Microsoft.Network/privateEndpoints')
    .flatMap((pe) => (props(pe).privateLinkServiceConnections as Array<{ properties: { groupIds: string[] } }>))
    .flatMap((c) => c.properties.groupIds)
    .sort();

describe('private endpoints switched on (the example parameters)', () => {
  it('reach blob, queue, table and the vault through private endpoints in the given subnet', () => {
    expect(groupIds(example)).toEqual(['blob', 'queue', 'table', 'vault']);
    for (const pe of res(example, 'Microsoft.Network/privateEndpoints')) {
      expect((props(pe).subnet as Json).id).toMatch(/\/virtualNetworks\/vnet-soc\/subnets\/snet-endpoints$/);
    }
  });

  it('register each endpoint in a privatelink zone linked to the VNet', () => {
    const zones = res(example, 'Microsoft.Network/privateDnsZones').map((z) => String(z.name));
    for (const g of ['blob', 'queue', 'table', 'vaultcore']) expect(zones.some((z) => z.includes('privatelink') && z.includes(g)), g).toBe(true);
    const links = res(example, 'Microsoft.Network/privateDnsZones/virtualNetworkLinks');
    expect(links).toHaveLength(4);
    for (const l of links) expect(((props(l).virtualNetwork as Json).id as string)).toMatch(/\/virtualNetworks\/vnet-soc$/);
    expect(res(example, 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups')).toHaveLength(4);
  });

  it('close public network access to storage and the vault', () => {
    const account = only(example.predictedResources, 'Microsoft.Storage/storageAccounts');
    expect(props(account).publicNetworkAccess).toBe('Disabled');
    expect((props(account).networkAcls as Json).defaultAction).toBe('Deny');
    const vault = only(example.predictedResources, 'Microsoft.KeyVault/vaults');
    expect(props(vault).publicNetworkAccess).toBe('Disabled');
  });

  it('integrate the app with the existing subnet and create no VNet', () => {
    const site = only(example.predictedResources, 'Microsoft.Web/sites');
    expect(props(site).virtualNetworkSubnetId).toMatch(/\/virtualNetworks\/vnet-soc\/subnets\/snet-relay-integration$/);
    expect(res(example, 'Microsoft.Network/virtualNetworks')).toHaveLength(0);
  });
});

describe('private endpoints switched off, new VNet', () => {
  it('create no private endpoint or DNS zone and leave storage reachable (still identity-only)', () => {
    expect(res(open, 'Microsoft.Network/privateEndpoints')).toHaveLength(0);
    expect(res(open, 'Microsoft.Network/privateDnsZones')).toHaveLength(0);
    const account = only(open.predictedResources, 'Microsoft.Storage/storageAccounts');
    expect(props(account).publicNetworkAccess).toBe('Enabled');
    expect(props(account).allowSharedKeyAccess).toBe(false);
  });

  it('create a VNet whose integration subnet is delegated to Microsoft.App/environments and /27 or larger', () => {
    const vnet = only(open.predictedResources, 'Microsoft.Network/virtualNetworks');
    const subnets = props(vnet).subnets as Array<{ name: string; properties: Json }>;
    const delegated = subnets.filter((s) =>
      (s.properties.delegations as Array<{ properties: { serviceName: string } }> | undefined)?.some(
        (d) => d.properties.serviceName === 'Microsoft.App/environments',
      ),
    );
    expect(delegated).toHaveLength(1);
    const prefix = Number(String(delegated[0]!.properties.addressPrefix).split('/')[1]);
    expect(prefix).toBeLessThanOrEqual(27);
    expect(delegated[0]!.name).not.toContain('_');
    const site = only(open.predictedResources, 'Microsoft.Web/sites');
    expect(String(props(site).virtualNetworkSubnetId)).toContain(`/subnets/${delegated[0]!.name}`);
    for (const s of subnets) expect((s.properties.networkSecurityGroup as Json | undefined)?.id).toBeTruthy();
  });
});

describe('existing (hub) private DNS zones', () => {
  it('use the given zones and create only the missing ones', () => {
    const zones = res(hub, 'Microsoft.Network/privateDnsZones').map((z) => String(z.name));
    expect(zones).toHaveLength(2);
    expect(zones.some((z) => z.includes('queue'))).toBe(true);
    expect(zones.some((z) => z.includes('table'))).toBe(true);
    const groups = JSON.stringify(res(hub, 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups'));
    expect(groups).toContain(hubZone('privatelink.blob.core.windows.net'));
    expect(groups).toContain(hubZone('privatelink.vaultcore.azure.net'));
    expect(groupIds(hub)).toEqual(['blob', 'queue', 'table', 'vault']);
  });
});

describe('role assignments', () => {
  // guid(scope.id, principalId, roleId): the same deployment always yields the same name.
  const guidName = /^\[guid\('([^']+)', (.+), '([0-9a-f-]{36})'\)\]$/;

  const assignments = (s: Snapshot) =>
    res(s, 'Microsoft.Authorization/roleAssignments').map((a) => {
      const m = guidName.exec(String(a.name));
      if (!m) throw new Error(`role assignment name is not guid(scope, principal, role): ${String(a.name)}`);
      const [, scope, principal, role] = m as unknown as [string, string, string, string];
      return { scope, principal, role, id: String(a.id), p: props(a) };
    });

  it('are named guid(scope id, principal id, role id) and agree with their own properties', () => {
    for (const a of assignments(example)) {
      expect(a.p.roleDefinitionId).toBe(`/subscriptions/${snapshotScope.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${a.role}`);
      expect(a.principal).toBe(String(a.p.principalId).replace(/^\[|\]$/g, ''));
      // The assignment lives at the scope its name was derived from.
      expect(a.id.startsWith(`[extensionResourceId('${a.scope}', 'Microsoft.Authorization/roleAssignments'`)).toBe(true);
      expect(a.p.principalType).toBe('ServicePrincipal');
    }
  });

  it('grant the app identity exactly the least-privilege roles, each on its narrowest scope', () => {
    const granted = assignments(example).map((a) => `${a.scope.split('/providers/')[1]} ${a.role}`).sort();
    const st = 'Microsoft.Storage/storageAccounts/';
    const expected = [
      expect.stringMatching(new RegExp(`^${st}[a-z0-9]+ ${roles.storageBlobDataOwner}$`)),
      expect.stringMatching(new RegExp(`^${st}[a-z0-9]+ ${roles.storageQueueDataContributor}$`)),
      expect.stringMatching(new RegExp(`^${st}[a-z0-9]+/tableServices/default/tables/relaycheckpoints ${roles.storageTableDataContributor}$`)),
      expect.stringMatching(new RegExp(`^Microsoft.KeyVault/vaults/[a-z0-9-]+ ${roles.keyVaultSecretsUser}$`)),
      expect.stringMatching(new RegExp(`^Microsoft.Insights/components/[a-z0-9-]+ ${roles.monitoringMetricsPublisher}$`)),
    ];
    expect(granted).toHaveLength(5);
    expect(granted).toEqual(expect.arrayContaining(expected));
    for (const a of assignments(example)) expect(a.principal).toMatch(/userAssignedIdentities\/id-mdcarelay'/);
  });

  it('give the token administrator Secrets Officer on the vault only when one is named', () => {
    // All three inputs are literals here, so the snapshot evaluates guid(): recompute it (ARM's guid() is a UUID v5
    // in namespace 11fb06fb-712d-4ddd-98c7-e71bbd588830 over the arguments joined with '-').
    const vault = only(hub.predictedResources, 'Microsoft.KeyVault/vaults');
    const expectedName = armGuid(String(vault.id), adminId, roles.keyVaultSecretsOfficer);
    const officer = res(hub, 'Microsoft.Authorization/roleAssignments').filter((a) => a.name === expectedName);
    expect(officer).toHaveLength(1);
    expect(props(officer[0]!).principalId).toBe(adminId);
    expect(props(officer[0]!).principalType).toBe('Group');
    expect(String(props(officer[0]!).roleDefinitionId)).toMatch(new RegExp(`/${roles.keyVaultSecretsOfficer}$`));
    expect(JSON.stringify(res(example, 'Microsoft.Authorization/roleAssignments'))).not.toContain(roles.keyVaultSecretsOfficer);
  });
});

function armGuid(...parts: string[]): string {
  const ns = Buffer.from('11fb06fb712d4ddd98c7e71bbd588830', 'hex');
  const h = createHash('sha1').update(Buffer.concat([ns, Buffer.from(parts.join('-'), 'utf8')])).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

describe('identity', () => {
  it('is the same user-assigned identity for the app, deployment storage and Key Vault references', () => {
    const identity = only(example.predictedResources, 'Microsoft.ManagedIdentity/userAssignedIdentities');
    const site = only(example.predictedResources, 'Microsoft.Web/sites');
    expect(Object.keys((site.identity as Json).userAssignedIdentities as Json)).toEqual([identity.id]);
    const fac = props(site).functionAppConfig as { deployment: { storage: { authentication: Json } } };
    expect(fac.deployment.storage.authentication.userAssignedIdentityResourceId).toBe(identity.id);
    expect(props(site).keyVaultReferenceIdentity).toBe(identity.id);
  });
});
