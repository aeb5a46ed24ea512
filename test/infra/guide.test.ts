// docs/deployment.md followed literally, as far as a machine without Azure can: the example parameter file and every
// parameter block of the guide compile with `bicep build-params`, and what each would deploy (bicep snapshot) closes
// the gaps a walk-through found: zones linked to both VNets, hub zones never duplicated, the AzureEventGrid rule
// with an allow-list, the app's own private endpoint, one small instance, alerts that reach someone, no queue role,
// storage audit logs. Refusals are checked too: each names the parameter to fix.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { bicep, infraDir, ofType, only, repoRoot, snapshot, testTokenAdminId, tokenAdminEnv, type ArmResource, type CliResult, type Json, type Snapshot } from './bicep.js';

const guide = await readFile(path.join(repoRoot, 'docs', 'deployment.md'), 'utf8');
/** The guide's `<!-- combination: name -->` blocks, each a parameter file body. */
const combinations = Object.fromEntries(
  [...guide.matchAll(/<!-- combination: ([a-z0-9-]+) -->\n```bicep\n([\s\S]*?)```/g)].map((m) => [m[1]!, m[2]!]),
);
const queueRole = '974c5e8b-45b9-4653-ba55-5f855dd0fb88';

/** `bicep build-params` on a body written next to nothing (its `using` points back to infra/main.bicep). */
async function buildParams(body: string, env?: NodeJS.ProcessEnv): Promise<{ result: CliResult; parameters?: Json }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'bicep-params-'));
  try {
    const using = path.relative(dir, path.join(infraDir, 'main.bicep')).split(path.sep).join('/');
    const file = path.join(dir, 'guide.bicepparam');
    await writeFile(file, `using '${using}'\n\n${body}\n`);
    const result = await bicep(['build-params', file, '--outfile', path.join(dir, 'guide.parameters.json')], env);
    if (result.code !== 0) return { result };
    const json = JSON.parse(await readFile(path.join(dir, 'guide.parameters.json'), 'utf8')) as { parameters: Json };
    return { result, parameters: json.parameters };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const props = (r: ArmResource): Json => (r.properties ?? {}) as Json;
const res = (s: Snapshot, type: string): ArmResource[] => ofType(s.predictedResources, type);
const site = (s: Snapshot): Json => props(only(s.predictedResources, 'Microsoft.Web/sites'));
const restrictions = (s: Snapshot): Json[] => ((site(s).siteConfig as Json).ipSecurityRestrictions as Json[]) ?? [];
const links = (s: Snapshot): Array<{ zone: string; vnet: string }> =>
  res(s, 'Microsoft.Network/privateDnsZones/virtualNetworkLinks').map((l) => ({
    // The snapshot leaves environment() unevaluated: tell the zones apart by their group.
    zone: /privatelink\.(blob|table)|vaultcore|azurewebsites/.exec(String(l.name))?.[0] ?? String(l.name),
    vnet: String((props(l).virtualNetwork as Json).id).toLowerCase(),
  }));

const snaps: Record<string, Snapshot> = {};
const builds: Record<string, { result: CliResult; parameters?: Json }> = {};
let example: { result: CliResult; parameters?: Json };
let exampleWithoutAdmin: CliResult;

beforeAll(async () => {
  const exampleFile = path.join(infraDir, 'main.bicepparam');
  const exampleBody = (await readFile(exampleFile, 'utf8')).replace(/^using\s+'[^']*'\s*$/m, '');
  const names = Object.keys(combinations);
  const [ex, noAdmin, ...rest] = await Promise.all([
    bicep(['build-params', 'infra/main.bicepparam', '--stdout']),
    bicep(['build-params', 'infra/main.bicepparam', '--stdout'], {}),
    ...names.map((n) => buildParams(combinations[n]!)),
    ...names.map((n) => snapshot(combinations[n]!)),
    snapshot(exampleBody),
  ]);
  exampleWithoutAdmin = noAdmin as CliResult;
  const exResult = ex as CliResult;
  example = { result: exResult };
  if (exResult.code === 0) {
    const out = JSON.parse(exResult.output.slice(exResult.output.indexOf('{'))) as { parametersJson: string };
    example.parameters = (JSON.parse(out.parametersJson) as { parameters: Json }).parameters;
  }
  names.forEach((n, i) => {
    builds[n] = rest[i] as { result: CliResult; parameters?: Json };
    const snap = rest[names.length + i] as { result: CliResult; snapshot?: Snapshot };
    if (!snap.snapshot) throw new Error(`bicep snapshot of the guide's '${n}' block failed:\n${snap.result.output}`);
    snaps[n] = snap.snapshot;
  });
  const exSnap = rest[2 * names.length] as { result: CliResult; snapshot?: Snapshot };
  if (!exSnap.snapshot) throw new Error(`bicep snapshot of the example failed:\n${exSnap.result.output}`);
  snaps.example = exSnap.snapshot;
}, 240_000);

describe('the guide', () => {
  it('documents the combinations the tests below compile', () => {
    expect(Object.keys(combinations).sort()).toEqual(['existing-two-vnets', 'expiry-events', 'minimal', 'multi-tenant', 'new-vnet', 'site-private-endpoint']);
  });

  it('publishes with the worker runtime set, builds locally, and uses no GNU-only date', () => {
    expect(guide).toContain('FUNCTIONS_WORKER_RUNTIME=node func azure functionapp publish "$APP"');
    expect(guide).not.toMatch(/--build remote"?\s*$/m);
    expect(guide).not.toMatch(/date [^\n]*-d /);
    expect(guide).toContain(`export ${tokenAdminEnv}=`);
  });

  it('has a cost table with a default and a minimal column', () => {
    expect(guide).toMatch(/\| Component \| Unit price \| Default \(the example\) \| Minimal \|/);
    expect(guide).toMatch(/\*\*Total\*\*/);
  });
});

describe('bicep build-params', () => {
  it('compiles the example file once the token administrator is exported, and passes it through', () => {
    expect(example.result.code, example.result.output).toBe(0);
    expect((example.parameters?.tokenAdminPrincipalId as Json).value).toBe(testTokenAdminId);
  });

  it('refuses the example without the token administrator, naming the variable (no silent 403 in step 3)', () => {
    expect(exampleWithoutAdmin.code).not.toBe(0);
    expect(exampleWithoutAdmin.output).toContain(tokenAdminEnv);
  });

  it('compiles every parameter block of the guide', () => {
    for (const [name, b] of Object.entries(builds)) {
      expect(b.result.code, `${name}: ${b.result.output}`).toBe(0);
      expect(b.parameters, name).toHaveProperty('alertEmailAddresses');
    }
  });
});

describe('every documented combination', () => {
  const all = (): Array<[string, Snapshot]> => Object.entries(snaps);

  it('runs one 512 MB instance per function group at most (one relay run at a time); multi-tenant: ceil(tenants / 24)', () => {
    for (const [name, s] of all()) {
      const scale = ((site(s).functionAppConfig as Json).scaleAndConcurrency as Json);
      expect(scale, name).toEqual({ maximumInstanceCount: name === 'multi-tenant' ? 3 : 1, instanceMemoryMB: 512 });
    }
  });

  it('sends every alert to an action group that e-mails someone', () => {
    for (const [name, s] of all()) {
      const group = only(s.predictedResources, 'Microsoft.Insights/actionGroups');
      expect((props(group).emailReceivers as Json[]).map((r) => r.emailAddress), name).toEqual(['soc-oncall@contoso.com']);
      const rules = res(s, 'Microsoft.Insights/scheduledQueryRules');
      expect(rules, name).toHaveLength(3);
      for (const r of rules) expect((props(r).actions as Json).actionGroups, name).toEqual([group.id]);
    }
  });

  it('grants no queue role and sets no queue endpoint (nothing uses queues in single-tenant mode)', () => {
    for (const [name, s] of all().filter(([n]) => n !== 'multi-tenant')) {
      expect(JSON.stringify(res(s, 'Microsoft.Authorization/roleAssignments')), name).not.toContain(queueRole);
      expect(Object.keys(props(only(s.predictedResources, 'Microsoft.Web/sites/config'))), name).not.toContain('AzureWebJobsStorage__queueServiceUri');
      const groups = JSON.stringify(res(s, 'Microsoft.Network/privateEndpoints'));
      expect(groups, name).not.toContain('"queue"');
    }
  });

  it('multi-tenant: the queue role on the two fan-out queues only, the queue endpoint privately in the hub zone, the mode setting', () => {
    const s = snaps['multi-tenant']!;
    const scopes = res(s, 'Microsoft.Authorization/roleAssignments')
      .filter((a) => String(props(a).roleDefinitionId).endsWith(queueRole))
      .map((a) => String(a.id).split('/providers/Microsoft.Authorization/')[0]!.split('/').slice(-2).join('/'))
      .sort();
    expect(scopes).toEqual(['queues/relay-tenants', 'queues/relay-tenants-poison']);
    const settings = props(only(s.predictedResources, 'Microsoft.Web/sites/config'));
    expect(settings.RELAY_MULTI_TENANT).toBe('true');
    expect(Object.keys(settings)).toContain('AzureWebJobsStorage__queueServiceUri');
    const groups = JSON.stringify(res(s, 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups'));
    expect(groups).toContain('privatelink.queue.core.windows.net');
    expect(res(s, 'Microsoft.Network/privateDnsZones')).toHaveLength(0);
  });

  it('audits storage reads, writes and deletes of blobs and tables into the workspace', () => {
    for (const [name, s] of all()) {
      const audits = res(s, 'Microsoft.Insights/diagnosticSettings').filter((d) => /blobServices|tableServices/.test(String(d.id)));
      expect(audits.map((d) => String(d.id).match(/(blob|table)Services/)![1]).sort(), name).toEqual(['blob', 'table']);
      for (const d of audits) expect(props(d).logs, name).toEqual([{ categoryGroup: 'audit', enabled: true }]);
    }
  });

  it('names every role assignment with a literal GUID (what-if can predict it)', () => {
    for (const [name, s] of all()) {
      for (const a of res(s, 'Microsoft.Authorization/roleAssignments')) expect(String(a.name), name).toMatch(/^[0-9a-f-]{36}$/);
    }
  });
});

describe('private DNS', () => {
  it('links each zone it creates to both VNets when the subnets are in two', () => {
    const s = snaps['existing-two-vnets']!;
    const zones = res(s, 'Microsoft.Network/privateDnsZones').map((z) => /privatelink\.(blob|table)|vaultcore/.exec(String(z.name))?.[0]).sort();
    expect(zones).toEqual(['privatelink.blob', 'privatelink.table', 'vaultcore']);
    const found = links(s);
    expect(found).toHaveLength(6);
    for (const z of zones as string[]) {
      expect(found.filter((l) => l.zone === z).map((l) => l.vnet.split('/').pop()).sort(), z).toEqual(['vnet-relay', 'vnet-soc']);
    }
  });

  it('links each zone once when both subnets are in the same VNet', () => {
    for (const name of ['new-vnet', 'expiry-events']) {
      const found = links(snaps[name]!);
      expect(found, name).toHaveLength(3);
      expect(new Set(found.map((l) => l.vnet)).size, name).toBe(1);
    }
  });

  it('creates no zone in an existing VNet when the hub zones are given', () => {
    for (const name of ['example', 'site-private-endpoint']) expect(res(snaps[name]!, 'Microsoft.Network/privateDnsZones'), name).toHaveLength(0);
  });

  it('creates no endpoint, zone or NAT gateway in the minimal deployment', () => {
    const s = snaps.minimal!;
    for (const t of ['Microsoft.Network/privateEndpoints', 'Microsoft.Network/privateDnsZones', 'Microsoft.Network/natGateways', 'Microsoft.Network/virtualNetworks']) {
      expect(res(s, t), t).toHaveLength(0);
    }
    expect(props(only(s.predictedResources, 'Microsoft.Storage/storageAccounts')).allowSharedKeyAccess).toBe(false);
  });
});

describe('inbound access to the app', () => {
  it('is an allow-list (default Deny) where the guide gives one', () => {
    for (const name of ['example', 'new-vnet', 'minimal', 'expiry-events']) {
      const config = site(snaps[name]!).siteConfig as Json;
      expect(config.ipSecurityRestrictionsDefaultAction, name).toBe('Deny');
      expect(restrictions(snaps[name]!).map((r) => r.ipAddress), name).toContain('203.0.113.0/24');
      expect(config.scmIpSecurityRestrictionsUseMain, name).toBe(true);
    }
  });

  it('lets the AzureEventGrid service tag through the allow-list when expiry events are on, and only then', () => {
    const tagged = (s: Snapshot) => restrictions(s).filter((r) => r.tag === 'ServiceTag' && r.ipAddress === 'AzureEventGrid' && r.action === 'Allow');
    expect(tagged(snaps['expiry-events']!)).toHaveLength(1);
    expect(res(snaps['expiry-events']!, 'Microsoft.EventGrid/systemTopics/eventSubscriptions')).toHaveLength(1);
    for (const name of ['example', 'new-vnet', 'minimal']) expect(tagged(snaps[name]!), name).toHaveLength(0);
  });

  it('gets a private endpoint of its own in the sites zone, with public access off', () => {
    const s = snaps['site-private-endpoint']!;
    expect(site(s).publicNetworkAccess).toBe('Disabled');
    const app = only(s.predictedResources, 'Microsoft.Web/sites');
    const pe = res(s, 'Microsoft.Network/privateEndpoints').find((e) => JSON.stringify(props(e)).includes('"sites"'));
    expect(pe).toBeDefined();
    const conn = (props(pe!).privateLinkServiceConnections as Array<{ properties: Json }>)[0]!.properties;
    expect(conn.privateLinkServiceId).toBe(app.id);
    expect(JSON.stringify(res(s, 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups'))).toContain('privateDnsZones/privatelink.azurewebsites.net');
  });
});

describe('the SIEM CA from Key Vault (the example)', () => {
  it('becomes SYSLOG_TLS_CA as a versionless Key Vault reference', () => {
    const settings = props(only(snaps.example!.predictedResources, 'Microsoft.Web/sites/config'));
    expect(String(settings.SYSLOG_TLS_CA)).toMatch(/^\[format\('@Microsoft\.KeyVault\(SecretUri=\{0\}secrets\/\{1\}\)', .*'syslog-tls-ca'\)\]$/);
  });
});

describe('refusals name the parameter to fix', () => {
  const base = (extra: string, network = `{ mode: 'existing', integrationSubnetId: '/subscriptions/0/resourceGroups/n/providers/Microsoft.Network/virtualNetworks/v/subnets/i', privateEndpointSubnetId: '/subscriptions/0/resourceGroups/n/providers/Microsoft.Network/virtualNetworks/v/subnets/p' }`) =>
    `param baseName = 'relayno'\nparam network = ${network}\nparam relay = { MDCA_PORTAL_URL: 'https://contoso.portal.cloudappsecurity.com', SYSLOG_HOST: '10.1.2.3' }\n${extra}`;
  const cases: Array<[string, string, string]> = [
    ['existing VNet, no zone ids, no switch', base(`param alertEmailAddresses = ['a@b.c']`), 'existingPrivateDnsZoneIds: in existing-VNet mode give the ids of the zones for blob, table, vault'],
    ['no one to alert', base(`param createPrivateDnsZones = true`), 'alertActionGroupId or alertEmailAddresses'],
    ['public access off without a site endpoint', base(`param createPrivateDnsZones = true\nparam alertEmailAddresses = ['a@b.c']\nparam functionAppPublicNetworkAccess = 'Disabled'`), 'functionAppPublicNetworkAccess: Disabled leaves no way to publish'],
    ['expiry events to a private-only app', base(`param createPrivateDnsZones = true\nparam alertEmailAddresses = ['a@b.c']\nparam functionAppPublicNetworkAccess = 'Disabled'\nparam functionAppPrivateEndpoint = true\nparam enableTokenExpiryEvents = true`), 'enableTokenExpiryEvents: Event Grid cannot deliver'],
  ];
  let results: CliResult[];
  beforeAll(async () => {
    results = (await Promise.all(cases.map(([, body]) => snapshot(body)))).map((r) => r.result);
  }, 120_000);

  it.each(cases.map((c, i) => [c[0], i] as const))('%s', (_name, i) => {
    expect(results[i]!.code).not.toBe(0);
    expect(results[i]!.output).toContain(cases[i]![2]);
  });
});
