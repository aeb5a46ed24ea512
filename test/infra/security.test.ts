// Security properties of the compiled template (ARM JSON, modules included) that the customer's scanners check:
// a regression in the Bicep fails here, in CI, before it reaches a subscription.
import { beforeAll, describe, expect, it } from 'vitest';
import { buildMain, ofType, only, walkOutputs, walkResources, type ArmResource, type ArmTemplate, type Json } from './bicep.js';

let template: ArmTemplate;
let resources: ArmResource[];

beforeAll(async () => {
  template = await buildMain();
  resources = walkResources(template);
});

const props = (r: ArmResource): Json => (r.properties ?? {}) as Json;
const at = (value: unknown, ...keys: string[]): unknown =>
  keys.reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Json)[k] : undefined), value);

describe('function app', () => {
  it('runs on a Flex Consumption plan with Node 22', () => {
    const plan = only(resources, 'Microsoft.Web/serverfarms');
    expect(plan.sku).toEqual({ name: 'FC1', tier: 'FlexConsumption' });
    expect(props(plan).reserved).toBe(true);
    const site = only(resources, 'Microsoft.Web/sites');
    expect(at(site, 'properties', 'functionAppConfig', 'runtime')).toEqual({ name: 'node', version: '22' });
  });

  it('is HTTPS only with TLS 1.2, FTPS disabled and remote debugging off', () => {
    const site = only(resources, 'Microsoft.Web/sites');
    expect(props(site).httpsOnly).toBe(true);
    expect(at(site, 'properties', 'siteConfig', 'minTlsVersion')).toBe('1.2');
    expect(at(site, 'properties', 'siteConfig', 'scmMinTlsVersion')).toBe('1.2');
    expect(at(site, 'properties', 'siteConfig', 'ftpsState')).toBe('Disabled');
    expect(at(site, 'properties', 'siteConfig', 'remoteDebuggingEnabled')).toBe(false);
  });

  it('has exactly one user-assigned identity and uses it for deployment storage and Key Vault references', () => {
    const site = only(resources, 'Microsoft.Web/sites');
    expect(at(site, 'identity', 'type')).toBe('UserAssigned');
    const identities = at(site, 'identity', 'userAssignedIdentities') as Json;
    expect(Object.keys(identities)).toHaveLength(1);
    const auth = at(site, 'properties', 'functionAppConfig', 'deployment', 'storage', 'authentication') as Json;
    expect(auth.type).toBe('UserAssignedIdentity');
    // Unevaluated here (module parameters); the snapshot tests compare the evaluated ids.
    expect(Object.keys(identities)[0]).toContain("parameters('identityId')");
    expect(auth.userAssignedIdentityResourceId).toBe("[parameters('identityId')]");
    expect(at(site, 'properties', 'keyVaultReferenceIdentity')).toBe("[parameters('identityId')]");
    expect(at(site, 'properties', 'functionAppConfig', 'deployment', 'storage', 'type')).toBe('blobContainer');
  });

  it('disables basic-auth publishing for FTP and SCM', () => {
    const policies = ofType(resources, 'Microsoft.Web/sites/basicPublishingCredentialsPolicies');
    expect(policies.map((p) => String(p.name)).sort()).toEqual([expect.stringContaining('ftp'), expect.stringContaining('scm')]);
    for (const p of policies) expect(props(p).allow).toBe(false);
  });

  it('uses identity-based host storage, never a connection string or account key', () => {
    const settings = props(only(resources, 'Microsoft.Web/sites/config'));
    const text = JSON.stringify(settings);
    expect(text).toContain('AzureWebJobsStorage__credential');
    expect(text).not.toMatch(/AccountKey|listKeys|"AzureWebJobsStorage"\s*:/);
  });
});

describe('storage', () => {
  it('turns shared key and public blob access off and requires TLS 1.2 over HTTPS', () => {
    const account = only(resources, 'Microsoft.Storage/storageAccounts');
    expect(props(account).allowSharedKeyAccess).toBe(false);
    expect(props(account).allowBlobPublicAccess).toBe(false);
    expect(props(account).minimumTlsVersion).toBe('TLS1_2');
    expect(props(account).supportsHttpsTrafficOnly).toBe(true);
  });

  it('holds a private deployment container and the checkpoint table', () => {
    const container = only(resources, 'Microsoft.Storage/storageAccounts/blobServices/containers');
    expect(props(container).publicAccess).toBe('None');
    expect(ofType(resources, 'Microsoft.Storage/storageAccounts/tableServices/tables')).toHaveLength(1);
  });
});

describe('key vault', () => {
  it('uses RBAC, soft delete and purge protection', () => {
    const vault = only(resources, 'Microsoft.KeyVault/vaults');
    expect(props(vault).enableRbacAuthorization).toBe(true);
    expect(props(vault).enableSoftDelete).toBe(true);
    expect(props(vault).enablePurgeProtection).toBe(true);
  });

  it('is given no secret by the template', () => {
    expect(ofType(resources, 'Microsoft.KeyVault/vaults/secrets')).toHaveLength(0);
  });
});

describe('monitoring', () => {
  it('uses workspace-based Application Insights with local auth off', () => {
    const ai = only(resources, 'Microsoft.Insights/components');
    expect(props(ai).DisableLocalAuth).toBe(true);
    expect(props(ai).WorkspaceResourceId).toBeTruthy();
    const law = only(resources, 'Microsoft.OperationalInsights/workspaces');
    expect(at(law, 'properties', 'features', 'disableLocalAuth')).toBe(true);
  });

  it('alerts on failure (relay.failures, exceptions, error traces) and on lag (relay.lag.seconds)', () => {
    const rules = ofType(resources, 'Microsoft.Insights/scheduledQueryRules');
    const queries = rules.map((r) => JSON.stringify(at(r, 'properties', 'criteria')));
    expect(queries.some((q) => q.includes("'relay.failures'") && q.includes('exceptions') && q.includes('severityLevel >= 3'))).toBe(true);
    expect(queries.some((q) => q.includes("'relay.lag.seconds'") && q.includes('GreaterThan'))).toBe(true);
    // Until a metrics SDK is wired in, lag and liveness come from the run summary line (src/pipeline/summary.ts).
    const lagRule = queries.find((q) => q.includes('GreaterThan') && q.includes("'relay.lag.seconds'"))!;
    expect(lagRule).toContain('lag=(\\\\d+)s');
    expect(queries.some((q) => q.includes('LessThan') && q.includes("message has 'lag='"))).toBe(true);
    // The single relay's function, and the fan-out's per-tenant function (multi-tenant mode).
    expect(queries.every((q) => q.includes("operation_Name in ('relay', 'tenantRun')") || q.includes("'relay.lag.seconds'"))).toBe(true);
  });
});

describe('outputs', () => {
  it('contain nothing that looks like a secret', () => {
    const outputs = walkOutputs(template);
    expect(outputs.length).toBeGreaterThan(0);
    for (const [name, output] of outputs) {
      expect(output.type.toLowerCase(), name).not.toMatch(/^secure/);
      // Names of things are fine (keyVaultName, tokenSecretName); values that are keys or secrets are not.
      if (/password|secret|token|key|connection|credential/i.test(name)) expect(name).toMatch(/Name$/);
      expect(JSON.stringify(output), name).not.toMatch(/list[A-Za-z]*\(|ConnectionString|InstrumentationKey|secrets\//i);
    }
  });
});
