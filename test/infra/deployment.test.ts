// What a deployment would create for each parameter choice (bicep snapshot, one CLI run per variant): private
// endpoints present only when switched on, the network chosen, existing DNS zones honoured, role assignments
// least-privilege and named deterministically, and app settings that match the code's settings registry
// (src/config/settings.ts): every setting the Function reads can be set, every setting set is read.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PLATFORM_SETTINGS, SETTINGS } from '../../src/config/settings.js';
import { TENANT_POISON_QUEUE, TENANT_QUEUE } from '../../src/tenants/queue.js';
import { exampleParamsBody, infraDir, ofType, only, snapshot, snapshotScope, type ArmResource, type Json, type Snapshot } from './bicep.js';

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
param alertEmailAddresses = ['soc@example.com']
`;
const hubZones = `
param baseName = 'relayhub'
param network = { mode: 'existing', integrationSubnetId: '/subscriptions/${snapshotScope.subscriptionId}/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-a/subnets/snet-int', privateEndpointSubnetId: '/subscriptions/${snapshotScope.subscriptionId}/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-a/subnets/snet-pe' }
param existingPrivateDnsZoneIds = { blob: '${hubZone('privatelink.blob.core.windows.net')}', vault: '${hubZone('privatelink.vaultcore.azure.net')}' }
param createPrivateDnsZones = true
param multiTenant = true
param alertEmailAddresses = ['soc@example.com']
param tokenAdminPrincipalId = '${adminId}'
param tokenAdminPrincipalType = 'Group'
param relay = { MDCA_PORTAL_URL: 'https://contoso.portal.cloudappsecurity.com', SYSLOG_HOST: '10.1.2.3' }
`;

/**
 * Settings the Function reads that the template deliberately does not set, with the reason. Each must still exist in
 * SETTINGS (a stale entry fails) and must never appear in the app settings.
 */
const NOT_SET_BY_TEMPLATE: Record<string, string> = {
  MDCA_TOKEN: 'a secret: the template creates nothing secret; the app reads MDCA_TOKEN_SECRET_URI instead',
  GRAPH_TOKEN: 'a secret, and a short-lived one (local use and tests): in Azure the managed identity or GRAPH_CLIENT_SECRET_URI',
  RELAY_CHECKPOINT_STORAGE:
    'the template creates the checkpoint table in host storage and grants the identity that table alone',
};

/** Settings whose values the template derives from the resources it creates (not deployer input). */
const DERIVED = ['AZURE_CLIENT_ID', 'RELAY_CHECKPOINT_TABLE', 'MDCA_TOKEN_SECRET_URI', 'SYSLOG_TLS_KEY'];

const functionSettings = SETTINGS.filter((s) => s.scope !== 'cli');
const known = new Set([...SETTINGS.map((s) => s.name), ...PLATFORM_SETTINGS.map((s) => s.name)]);

/**
 * Every key of the relaySettings type in infra/types.bicep, with a value its type accepts. Read from the source so
 * this file needs no separate build; a key the parser misreads fails the snapshot (the type is sealed).
 */
async function everyRelaySetting(): Promise<Record<string, string>> {
  const text = await readFile(path.join(infraDir, 'types.bicep'), 'utf8');
  const body = /type relaySettings = \{\n([\s\S]*?)\n\}/.exec(text)?.[1];
  if (!body) throw new Error('relaySettings type not found in infra/types.bicep');
  const entries = [...body.matchAll(/^ {2}([A-Z][A-Z0-9_]*): (.+)$/gm)].map(([, key, type]) => {
    const allowed = [...(type ?? '').matchAll(/'([^']+)'/g)].map((m) => m[1]!);
    return [key!, allowed.length ? (allowed.includes('token') ? 'token' : allowed[0]!) : `value-of-${key!}`] as const;
  });
  return Object.fromEntries(entries);
}

const bicepObject = (o: Record<string, string>): string =>
  `{\n${Object.entries(o).map(([k, v]) => `  ${k}: '${v.replace(/'/g, "\\'")}'`).join('\n')}\n}`;

function appSettings(s: Snapshot): Json {
  const value = only(s.predictedResources, 'Microsoft.Web/sites/config').properties as unknown;
  // A string here means the whole object became a deploy-time expression: some key's presence depends on a value
  // known only during deployment, and then nobody can tell before deploying which settings the app gets.
  if (typeof value !== 'object' || value === null) throw new Error(`app settings are not a literal object: ${String(value).slice(0, 200)}`);
  return value as Json;
}

let example: Snapshot;
let open: Snapshot;
let hub: Snapshot;
let full: Snapshot;
let fullRelay: Record<string, string>;
let missingEndpointSubnet: { code: number; output: string };
let relayKeys: string[];

beforeAll(async () => {
  fullRelay = await everyRelaySetting();
  relayKeys = Object.keys(fullRelay);
  const fullParams = `param baseName = 'relayfull'
param network = { mode: 'new' }
param relay = ${bicepObject(fullRelay)}
param syslogTlsKeySecretName = 'syslog-client-key'
param enableTokenExpiryEvents = true
param multiTenant = true
param alertEmailAddresses = ['soc@example.com']`;
  const runs = await Promise.all([
    snapshot(await exampleParamsBody()),
    snapshot(publicNewVnet),
    snapshot(hubZones),
    snapshot(fullParams),
    snapshot(`param baseName = 'relaybad'
param network = { mode: 'existing', integrationSubnetId: '/subscriptions/${snapshotScope.subscriptionId}/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-a/subnets/snet-int' }
param relay = { MDCA_PORTAL_URL: 'https://contoso.portal.cloudappsecurity.com', SYSLOG_HOST: '10.1.2.3' }
param alertEmailAddresses = ['soc@example.com']`),
  ]);
  missingEndpointSubnet = runs.pop()!.result;
  for (const run of runs) if (!run.snapshot) throw new Error(`bicep snapshot failed:\n${run.result.output}`);
  [example, open, hub, full] = runs.map((r) => r.snapshot!) as [Snapshot, Snapshot, Snapshot, Snapshot];
});

const props = (r: ArmResource): Json => (r.properties ?? {}) as Json;
const res = (s: Snapshot, type: string): ArmResource[] => ofType(s.predictedResources, type);
const groupIds = (s: Snapshot): string[] =>
  res(s, 'Microsoft.Network/privateEndpoints')
    .flatMap((pe) => (props(pe).privateLinkServiceConnections as Array<{ properties: { groupIds: string[] } }>))
    .flatMap((c) => c.properties.groupIds)
    .sort();

describe('private endpoints switched on (the example parameters)', () => {
  it('reach blob, table and the vault (no queue: nothing uses one) through private endpoints in the given subnet', () => {
    expect(groupIds(example)).toEqual(['blob', 'table', 'vault']);
    for (const pe of res(example, 'Microsoft.Network/privateEndpoints')) {
      expect((props(pe).subnet as Json).id).toMatch(/\/virtualNetworks\/vnet-soc\/subnets\/snet-endpoints$/);
    }
  });

  it('register each endpoint in the hub zone it was given and create no zone of its own', () => {
    expect(res(example, 'Microsoft.Network/privateDnsZones')).toHaveLength(0);
    expect(res(example, 'Microsoft.Network/privateDnsZones/virtualNetworkLinks')).toHaveLength(0);
    const groups = res(example, 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups');
    expect(groups).toHaveLength(3);
    for (const g of groups) expect(JSON.stringify(props(g))).toMatch(/rg-hub-dns\/providers\/Microsoft\.Network\/privateDnsZones\/privatelink\./);
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

describe('an existing VNet without an endpoint subnet', () => {
  it('is refused before deployment when private endpoints are on, naming the parameter', () => {
    expect(missingEndpointSubnet.code).not.toBe(0);
    expect(missingEndpointSubnet.output).toContain('network.privateEndpointSubnetId: required with enablePrivateEndpoints');
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
    // Flex sends all egress through the subnet: the API, Entra ID and Azure Monitor need a way out.
    const nat = only(open.predictedResources, 'Microsoft.Network/natGateways');
    expect((delegated[0]!.properties.natGateway as Json | undefined)?.id).toBe(nat.id);
  });
});

describe('existing (hub) private DNS zones', () => {
  it('use the given zones and create only the missing ones', () => {
    const zones = res(hub, 'Microsoft.Network/privateDnsZones').map((z) => String(z.name));
    expect(zones).toHaveLength(2);
    expect(zones.some((z) => z.includes('queue'))).toBe(true);
    // createPrivateDnsZones: the missing ones are created and linked to the one VNet (both subnets are in vnet-a).
    const links = res(hub, 'Microsoft.Network/privateDnsZones/virtualNetworkLinks');
    expect(links).toHaveLength(2);
    for (const l of links) expect(String((props(l).virtualNetwork as Json).id)).toMatch(/\/virtualnetworks\/vnet-a$/);
    expect(zones.some((z) => z.includes('table'))).toBe(true);
    const groups = JSON.stringify(res(hub, 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups'));
    expect(groups).toContain(hubZone('privatelink.blob.core.windows.net'));
    expect(groups).toContain(hubZone('privatelink.vaultcore.azure.net'));
    expect(groupIds(hub)).toEqual(['blob', 'queue', 'table', 'vault']);
  });
});

describe('role assignments', () => {
  // guid(scope.id, identity resource id, roleId): the same deployment always yields the same name, known before the
  // identity exists (what-if can predict it).
  const assignments = (s: Snapshot) =>
    res(s, 'Microsoft.Authorization/roleAssignments').map((a) => {
      const id = String(a.id);
      const at = id.indexOf('/providers/Microsoft.Authorization/roleAssignments/');
      if (at < 0) throw new Error(`role assignment id has no scope: ${id}`);
      const role = String(props(a).roleDefinitionId).split('/').pop()!;
      return { scope: id.slice(0, at), role, name: String(a.name), id, p: props(a) };
    });

  it('are named guid(scope id, identity id, role id), evaluated before deployment, and agree with their properties', () => {
    const identity = only(example.predictedResources, 'Microsoft.ManagedIdentity/userAssignedIdentities');
    const found = assignments(example);
    expect(found.length).toBeGreaterThan(0);
    for (const a of found.filter((x) => x.role !== roles.keyVaultSecretsOfficer)) {
      // A literal GUID, not an expression: what-if can name every assignment (no short-circuit).
      expect(a.name).toBe(armGuid(a.scope, String(identity.id), a.role));
      expect(a.p.roleDefinitionId).toBe(`/subscriptions/${snapshotScope.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${a.role}`);
      expect(String(a.p.principalId)).toContain(`'${String(identity.id)}'`);
      expect(String(a.p.principalId)).toMatch(/\.principalId\]$/);
      expect(a.p.principalType).toBe('ServicePrincipal');
    }
  });

  it('grant the app identity exactly the least-privilege roles, each on its narrowest scope', () => {
    const granted = assignments(example)
      .filter((a) => a.role !== roles.keyVaultSecretsOfficer)
      .map((a) => `${a.scope.split('/providers/')[1]} ${a.role}`)
      .sort();
    const st = 'Microsoft.Storage/storageAccounts/';
    const expected = [
      expect.stringMatching(new RegExp(`^${st}[a-z0-9]+ ${roles.storageBlobDataOwner}$`)),
      expect.stringMatching(new RegExp(`^${st}[a-z0-9]+/tableServices/default/tables/relaycheckpoints ${roles.storageTableDataContributor}$`)),
      expect.stringMatching(new RegExp(`^Microsoft.KeyVault/vaults/[a-z0-9-]+ ${roles.keyVaultSecretsUser}$`)),
      expect.stringMatching(new RegExp(`^Microsoft.Insights/components/[a-z0-9-]+ ${roles.monitoringMetricsPublisher}$`)),
    ];
    expect(granted).toHaveLength(4);
    expect(granted).toEqual(expect.arrayContaining(expected));
    expect(JSON.stringify(res(example, 'Microsoft.Authorization/roleAssignments'))).not.toContain(roles.storageQueueDataContributor);
    for (const a of assignments(example).filter((x) => x.role !== roles.keyVaultSecretsOfficer)) {
      expect(String(a.p.principalId)).toMatch(/userAssignedIdentities\/id-mdcarelay'/);
    }
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
    expect(JSON.stringify(res(open, 'Microsoft.Authorization/roleAssignments'))).not.toContain(roles.keyVaultSecretsOfficer);
  });
});

describe('multi-tenant mode (multiTenant = true)', () => {
  const queues = (s: Snapshot) => res(s, 'Microsoft.Storage/storageAccounts/queueServices/queues').map((q) => String(q.name).split('/').pop()).sort();

  it('creates the queue the code binds to and the host\'s poison queue, and no queue in single-tenant mode', () => {
    expect(queues(hub)).toEqual([TENANT_QUEUE, TENANT_POISON_QUEUE].sort());
    expect(queues(example)).toEqual([]);
    expect(queues(open)).toEqual([]);
  });

  it('grants Storage Queue Data Contributor on those two queues only, never on the account', () => {
    const queueRoles = res(hub, 'Microsoft.Authorization/roleAssignments').filter((a) => String(props(a).roleDefinitionId).endsWith(roles.storageQueueDataContributor));
    const scopes = queueRoles.map((a) => String(a.id).split('/providers/Microsoft.Authorization/')[0]!.split('/').slice(-4).join('/')).sort();
    expect(scopes).toEqual([TENANT_QUEUE, TENANT_POISON_QUEUE].map((q) => `queueServices/default/queues/${q}`).sort());
  });

  it('switches the code to multi-tenant mode and gives the host its queue endpoint, only then', () => {
    expect(appSettings(hub).RELAY_MULTI_TENANT).toBe('true');
    expect(Object.keys(appSettings(hub))).toContain('AzureWebJobsStorage__queueServiceUri');
    for (const s of [example, open]) expect(Object.keys(appSettings(s))).not.toContain('RELAY_MULTI_TENANT');
  });

  it('audits the queue service only when it is used', () => {
    const audited = (s: Snapshot) => res(s, 'Microsoft.Insights/diagnosticSettings').some((d) => /queueServices/.test(String(d.id)));
    expect(audited(hub)).toBe(true);
    expect(audited(example)).toBe(false);
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

describe('token expiry events', () => {
  it('route only the token secret\'s near-expiry and expired events to the keyVaultTokenExpiry function, by id', () => {
    const topic = only(full.predictedResources, 'Microsoft.EventGrid/systemTopics');
    const vault = only(full.predictedResources, 'Microsoft.KeyVault/vaults');
    expect(props(topic).source).toBe(vault.id);
    expect(props(topic).topicType).toBe('Microsoft.KeyVault.vaults');
    const sub = props(only(full.predictedResources, 'Microsoft.EventGrid/systemTopics/eventSubscriptions'));
    const site = only(full.predictedResources, 'Microsoft.Web/sites');
    expect(sub.destination).toEqual({
      endpointType: 'AzureFunction',
      properties: { resourceId: `${String(site.id)}/functions/keyVaultTokenExpiry`, maxEventsPerBatch: 1 },
    });
    const filter = sub.filter as Json;
    expect(filter.includedEventTypes).toEqual(['Microsoft.KeyVault.SecretNearExpiry', 'Microsoft.KeyVault.SecretExpired']);
    expect(filter.subjectBeginsWith).toBe('mdca-api-token');
  });

  it('are off unless asked for (the function must be published first)', () => {
    expect(res(example, 'Microsoft.EventGrid/systemTopics')).toHaveLength(0);
  });
});

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

describe('app settings against src/config/settings.ts', () => {
  it('every setting the Function reads can be set by the template (or is excluded with a reason)', () => {
    const settable = new Set([...relayKeys, ...Object.keys(appSettings(full))]);
    const missing = functionSettings.map((s) => s.name).filter((n) => !settable.has(n) && !(n in NOT_SET_BY_TEMPLATE));
    expect(missing).toEqual([]);
  });

  it('every setting the template can set is read by the code or by the Functions host', () => {
    const unknown = [...relayKeys, ...Object.keys(appSettings(full)), ...Object.keys(appSettings(open))].filter((n) => !known.has(n));
    expect(unknown).toEqual([]);
  });

  it('never sets a CLI-only setting or an excluded one', () => {
    const cliOnly = SETTINGS.filter((s) => s.scope === 'cli').map((s) => s.name);
    expect(cliOnly.length).toBeGreaterThan(0);
    for (const s of [full, open]) {
      const names = Object.keys(appSettings(s));
      for (const n of [...cliOnly, ...Object.keys(NOT_SET_BY_TEMPLATE)]) expect(names, n).not.toContain(n);
    }
    for (const n of Object.keys(NOT_SET_BY_TEMPLATE)) expect(SETTINGS.map((s) => s.name), n).toContain(n);
  });

  it('passes each relay setting through under its own name and value', () => {
    const settings = appSettings(full);
    for (const [k, v] of Object.entries(fullRelay)) expect(settings[k], k).toBe(v);
  });

  it('leaves settings the deployer omitted unset, so the code defaults apply', () => {
    const names = Object.keys(appSettings(open));
    const given = ['MDCA_PORTAL_URL', 'MDCA_AUTH', 'SYSLOG_HOST'];
    for (const k of relayKeys.filter((k) => !given.includes(k))) expect(names, k).not.toContain(k);
    for (const k of given) expect(names).toContain(k);
  });

  it('derives the identity, checkpoint table and token secret URI from the resources it creates', () => {
    const settings = appSettings(full);
    for (const k of DERIVED) expect(Object.keys(settings), k).toContain(k);
    expect(settings.RELAY_CHECKPOINT_TABLE).toBe('relaycheckpoints');
    expect(String(settings.AZURE_CLIENT_ID)).toMatch(/userAssignedIdentities\/id-relayfull'.*\)\.clientId\]$/);
    expect(String(settings.AzureWebJobsStorage__clientId)).toBe(settings.AZURE_CLIENT_ID);
    // Versionless: the relay reads the current version at run time, so a rotation needs no redeploy.
    expect(String(settings.MDCA_TOKEN_SECRET_URI)).toMatch(/\.vaultUri, 'mdca-api-token'\)\]$/);
    expect(String(settings.MDCA_TOKEN_SECRET_URI)).toContain("format('{0}secrets/{1}'");
  });

  it('sets no token secret URI under Entra auth', () => {
    expect(Object.keys(appSettings(open))).not.toContain('MDCA_TOKEN_SECRET_URI');
  });

  it('gives secret settings only Key Vault references, never a value', () => {
    const secret = SETTINGS.filter((s) => s.secret).map((s) => s.name);
    expect(secret.length).toBeGreaterThan(0);
    for (const s of [full, open]) {
      const settings = appSettings(s);
      for (const n of secret) if (n in settings) expect(String(settings[n]), n).toMatch(/^\[format\('@Microsoft\.KeyVault\(SecretUri=\{0\}secrets\/\{1\}\)'/);
    }
    expect(Object.keys(appSettings(full))).toContain('SYSLOG_TLS_KEY');
  });

  it('uses identity-based host storage and Entra auth to Application Insights', () => {
    const settings = appSettings(open);
    expect(settings.AzureWebJobsStorage__credential).toBe('managedidentity');
    for (const k of ['blob', 'table']) expect(Object.keys(settings)).toContain(`AzureWebJobsStorage__${k}ServiceUri`);
    // Queues only with enableQueues (the multi-tenant fan-out).
    expect(Object.keys(settings)).not.toContain('AzureWebJobsStorage__queueServiceUri');
    expect(Object.keys(appSettings(full))).toContain('AzureWebJobsStorage__queueServiceUri');
    expect(Object.keys(settings)).not.toContain('AzureWebJobsStorage');
    expect(String(settings.APPLICATIONINSIGHTS_AUTHENTICATION_STRING)).toContain('Authorization=AAD');
  });

  it('does not set the runtime settings Flex Consumption rejects', () => {
    // Flex takes the runtime from functionAppConfig.runtime; these app settings fail the deployment there.
    for (const n of ['FUNCTIONS_WORKER_RUNTIME', 'FUNCTIONS_EXTENSION_VERSION', 'WEBSITE_RUN_FROM_PACKAGE', 'WEBSITE_CONTENTSHARE']) {
      expect(Object.keys(appSettings(full))).not.toContain(n);
    }
  });
});
