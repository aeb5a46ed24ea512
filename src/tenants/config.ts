// One tenant's RelayConfig: the shared settings overlaid with the tenant's, validated by the same
// loadConfig as one relay, so everything documented for one relay applies per tenant.
//
// What keeps tenants apart (docs/multi-tenant.md, Isolation):
//  - State: the relay name is `tenant.<name>` (RELAY_NAME cannot be overridden), so each tenant has
//    its own lease, checkpoint rows and status record; `~`-free and distinct from a host-name default.
//  - Identity and credentials are never inherited from the shared settings: which API the tenant is
//    (MDCA_PORTAL_URL, GRAPH_TENANT_ID) and its own token (MDCA_TOKEN, MDCA_TOKEN_SECRET_URI,
//    GRAPH_TOKEN). An inherited portal would relay another tenant's alerts under this tenant's name; an
//    inherited token would be sent to every tenant's portal, i.e. handed to other tenants. A shared
//    multi-tenant app (GRAPH_CLIENT_ID with its secret or certificate) and MDCA_AUTH=entra are inherited.
//  - CEF: every line carries the tenant's name (cef.tenant, key flexString1, label `tenant`).
//
// Exported API: tenantConfig(shared, tenant, context) => RelayConfig; tenantRelayName(name); NOT_INHERITED.
import { loadConfig, type ConfigContext, type RawSettings } from '../config/load.js';
import type { RelayConfig } from '../config/types.js';
import { RelayError } from '../errors.js';
import type { Tenant } from './registry.js';

/** What a tenant brings itself or goes without. */
export const NOT_INHERITED = ['MDCA_PORTAL_URL', 'MDCA_TOKEN', 'MDCA_TOKEN_SECRET_URI', 'GRAPH_TENANT_ID', 'GRAPH_TOKEN'] as const;

export const tenantRelayName = (name: string): string => `tenant.${name}`;

/** Throws CONFIG_INVALID whose every problem starts with `tenant "<name>": `; values are never echoed (loadConfig's rule). */
export function tenantConfig(shared: RawSettings, tenant: Tenant, context: ConfigContext): RelayConfig {
  const merged: RawSettings = { ...shared };
  for (const name of NOT_INHERITED) delete merged[name];
  Object.assign(merged, tenant.settings, { RELAY_NAME: tenantRelayName(tenant.name) });
  let config: RelayConfig;
  try {
    config = loadConfig(merged, context);
  } catch (err) {
    if (!(err instanceof RelayError) || err.code !== 'CONFIG_INVALID') throw err;
    const problems = err.message.split('\n').slice(1).map((l) => l.replace(/^\s*-\s*/, ''));
    const who = `tenant "${tenant.name}"`;
    throw new RelayError('CONFIG_INVALID', 'config', problems.length > 0 ? `${who}: invalid configuration:\n  - ${problems.map((p) => `${who}: ${p}`).join('\n  - ')}` : `${who}: ${err.message}`);
  }
  return { ...config, cef: { ...config.cef, tenant: tenant.name } };
}
