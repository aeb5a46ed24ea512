// HTTP Function `status` (function-key auth): the relay's status record as JSON. Multi-tenant mode: one row per
// tenant (state, lag, last error, poisoned) and the poison queue's length; `?tenant=<name>` gives that tenant's full
// status alone.
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { loadConfig, loadSharedSettings } from '../src/config/load.js';
import { describeError, isRelayError } from '../src/errors.js';
import { multiTenantMode } from '../src/pipeline/fanout.js';
import { createStore } from '../src/pipeline/relay.js';
import { statusView, tenantStatusRow, type TenantStatusRow } from '../src/pipeline/status-view.js';
import { tenantConfig } from '../src/tenants/config.js';
import { tenantQueue } from '../src/tenants/queue.js';
import { tableRegistry, TENANT_NAME, type Tenant } from '../src/tenants/registry.js';

async function rowOf(tenant: Tenant, now: number): Promise<TenantStatusRow> {
  try {
    const config = tenantConfig(process.env, tenant, 'function');
    return await tenantStatusRow(tenant, config, createStore(config), now);
  } catch (err) {
    const e = isRelayError(err) ? err : undefined;
    return tenantStatusRow(tenant, undefined, undefined, now, { code: e?.code ?? 'INTERNAL', stage: e?.stage ?? 'config', message: describeError(err) });
  }
}

async function tenantsStatus(request: HttpRequest, now: number): Promise<HttpResponseInit> {
  const { state } = loadSharedSettings(process.env, 'function');
  if (state.kind !== 'table') throw new Error('the Function keeps its state in a table');
  const registry = tableRegistry(state);
  const wanted = request.query?.get('tenant') ?? undefined;
  if (wanted !== undefined) {
    const tenant = TENANT_NAME.test(wanted) ? await registry.get(wanted) : undefined;
    if (!tenant) return { status: 404, jsonBody: { error: `tenant: no tenant named "${wanted.slice(0, 63)}" in the registry` } };
    return { status: 200, jsonBody: await rowOf(tenant, now) };
  }
  const tenants = await registry.list();
  const rows = await Promise.all(tenants.map((t) => rowOf(t, now)));
  // A poison queue that cannot be read does not hide the tenants: its length is then null with the reason.
  const poison = await tenantQueue(process.env)
    .poisonCount()
    .then((messages) => ({ messages }))
    .catch((err: unknown) => ({ messages: null, error: describeError(err) }));
  return { status: 200, jsonBody: { mode: 'multi-tenant', tenants: rows.map(({ view: _view, ...row }) => row), poisonQueue: poison } };
}

export async function statusHandler(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  try {
    const now = Date.now();
    if (multiTenantMode(process.env)) return await tenantsStatus(request, now);
    if (request.query?.get('tenant')) return { status: 400, jsonBody: { error: 'tenant: this relay is single-tenant (RELAY_MULTI_TENANT is not true); call without ?tenant' } };
    const config = loadConfig(process.env, 'function');
    const store = createStore(config);
    return { status: 200, jsonBody: await statusView(config, store, now) };
  } catch (err) {
    context.error(`status: ${describeError(err)}`);
    return { status: 500, jsonBody: { error: describeError(err) } };
  }
}

app.http('status', { methods: ['GET'], authLevel: 'function', route: 'status', handler: statusHandler });
