// The tenant registry: which tenants one deployment relays, each a name plus overrides of the same
// settings that configure one relay (docs/multi-tenant.md). Two homes, one interface:
//  - a JSON file for the CLI (`run --tenants FILE`, `tenants ... --tenants FILE`), which may hold a
//    literal MDCA_TOKEN for local use;
//  - rows in the checkpoint table for the Function (PartitionKey `~tenants`, RowKey the lower-cased
//    name; `~` cannot occur in a relay name, so no relay's rows share the partition). The table never
//    holds a secret: MDCA_TOKEN and SYSLOG_TLS_KEY are refused there (use MDCA_TOKEN_SECRET_URI).
//
// Exported API (the Functions fan-out builds on it):
//   interface Tenant { name; disabled?; settings }       one tenant, settings by setting name
//   interface TenantRegistry { list(); get(name); add(t); remove(name); setDisabled(name, on) }
//   parseTenantFile(path) / parseTenants(json, origin)    validated tenants from a file / a JSON text
//   fileRegistry(path) / tableRegistry(state)             the two implementations
//   checkTenant(t, where)                                 the same checks add() applies, as problems
// Every error is CONFIG_INVALID naming the tenant and the setting; a value is never echoed.
import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { TableClient } from '@azure/data-tables';
import type { StateConfig } from '../config/types.js';
import { SETTINGS } from '../config/settings.js';
import { RelayError } from '../errors.js';
import { azureCredential } from '../secrets/credential.js';
import { TABLE_TIMEOUT_MS } from '../state/table-store.js';

export interface Tenant {
  /** 1-63 letters, digits, `-` and `_`, starting with a letter or digit; unique regardless of case. */
  name: string;
  /** A disabled tenant stays registered (its checkpoints kept) but is not run. */
  disabled?: boolean;
  /** Overrides of the shared settings, by setting name (docs/configuration.md). */
  settings: Record<string, string>;
}

export interface TenantRegistry {
  /** Where the registry lives, for messages (never a connection string). */
  readonly description: string;
  /** Every tenant, disabled ones included, in name order. */
  list(): Promise<Tenant[]>;
  get(name: string): Promise<Tenant | undefined>;
  /** Adds a tenant, or replaces the one of the same name. */
  add(tenant: Tenant): Promise<void>;
  /** False when no such tenant. */
  remove(name: string): Promise<boolean>;
  /** False when no such tenant. */
  setDisabled(name: string, disabled: boolean): Promise<boolean>;
}

/** Safe as a table key, a file name, a CEF value and a relay-name part without escaping. */
export const TENANT_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;

/** Settings one process shares between its tenants: where state lives, how it runs, who it is. */
const PROCESS_WIDE = new Set([
  'RELAY_NAME', // a tenant's relay name is derived from its name (src/tenants/config.ts)
  'RELAY_SCHEDULE',
  'RELAY_TIME_BUDGET',
  'RELAY_CHECKPOINT_TABLE',
  'RELAY_CHECKPOINT_STORAGE',
  'RELAY_STATE_DIR',
  'RELAY_LOGS_DIR',
  'RELAY_TENANT_CONCURRENCY',
  'RELAY_MULTI_TENANT',
  'AZURE_CLIENT_ID',
]);
/** Never stored in the table: it is readable by anyone with table access. */
const NOT_IN_TABLE = new Set(SETTINGS.filter((s) => s.secret).map((s) => s.name));
const KNOWN = new Set(SETTINGS.map((s) => s.name));

export type TenantHome = 'file' | 'table';

/** Every problem with `t` for its home, each naming the tenant and the setting; empty when usable. */
export function checkTenant(t: Tenant, home: TenantHome): string[] {
  const who = typeof t.name === 'string' && TENANT_NAME.test(t.name) ? `tenant "${t.name}"` : 'tenant';
  const problems: string[] = [];
  if (typeof t.name !== 'string' || !TENANT_NAME.test(t.name)) problems.push(`${who}: name: must be 1-63 letters, digits, "-" or "_", starting with a letter or digit`);
  for (const [name, value] of Object.entries(t.settings)) {
    if (!KNOWN.has(name)) problems.push(`${who}: ${name}: is not a setting (docs/configuration.md lists them)`);
    else if (PROCESS_WIDE.has(name)) problems.push(`${who}: ${name}: is shared by every tenant of a process; set it in the shared settings`);
    else if (home === 'table' && NOT_IN_TABLE.has(name)) problems.push(`${who}: ${name}: is a secret and is not stored in the tenant table (use MDCA_TOKEN_SECRET_URI or MDCA_AUTH=entra)`);
    else if (typeof value !== 'string' || value.trim() === '') problems.push(`${who}: ${name}: is blank (remove it to use the shared value)`);
  }
  return problems;
}

function invalid(origin: string, problems: string[]): RelayError {
  return new RelayError('CONFIG_INVALID', 'config', `${origin}: ${problems.length === 1 ? problems[0] : `${problems.length} problems:\n  - ${problems.join('\n  - ')}`}`);
}

/** One tenant from its JSON form `{"name": ..., "disabled"?: bool, "<SETTING>": value, ...}`. */
function tenantFromJson(entry: unknown, index: number, problems: string[]): Tenant | undefined {
  if (!entry || typeof entry !== 'object' || Array.isArray(entry)) {
    problems.push(`tenants[${index}]: must be an object {"name": ..., "<SETTING>": "value", ...}`);
    return undefined;
  }
  const { name, disabled, ...rest } = entry as Record<string, unknown>;
  const label = typeof name === 'string' && TENANT_NAME.test(name) ? `tenant "${name}"` : `tenants[${index}]`;
  if (typeof name !== 'string') {
    problems.push(`${label}: name: is required (a string)`);
    return undefined;
  }
  if (disabled !== undefined && typeof disabled !== 'boolean') problems.push(`${label}: disabled: must be true or false`);
  const settings: Record<string, string> = {};
  // Filters may be written as JSON objects, numbers as numbers: stored as the text a setting holds.
  for (const [k, v] of Object.entries(rest)) {
    if (v === null || v === undefined) problems.push(`${label}: ${k}: is null (remove it to use the shared value)`);
    else settings[k] = typeof v === 'string' ? v : JSON.stringify(v);
  }
  return { name, disabled: disabled === true ? true : undefined, settings };
}

/** Validated tenants from the registry file's text: `{"tenants": [ ... ]}`. */
export function parseTenants(text: string, origin: string): Tenant[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw invalid(origin, ['is not valid JSON']);
  }
  const list = data && typeof data === 'object' && !Array.isArray(data) ? (data as { tenants?: unknown }).tenants : undefined;
  if (!Array.isArray(list)) throw invalid(origin, ['must hold a JSON object {"tenants": [{"name": ..., "<SETTING>": "value"}, ...]}']);
  const problems: string[] = [];
  const tenants: Tenant[] = [];
  const seen = new Set<string>();
  list.forEach((entry, i) => {
    const t = tenantFromJson(entry, i, problems);
    if (!t) return;
    problems.push(...checkTenant(t, 'file'));
    const key = t.name.toLowerCase();
    if (seen.has(key)) problems.push(`tenant "${t.name}": name: appears more than once (names are compared regardless of case)`);
    seen.add(key);
    tenants.push(t);
  });
  if (problems.length > 0) throw invalid(origin, problems);
  return tenants.sort((a, b) => a.name.localeCompare(b.name));
}

export async function parseTenantFile(file: string): Promise<Tenant[]> {
  return parseTenants(await readText(file), `--tenants ${file}`);
}

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw unreadable(file, err);
  }
}

const unreadable = (file: string, err: unknown) => new RelayError('CONFIG_INVALID', 'config', `--tenants ${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? 'error'})`);

function toJson(t: Tenant): Record<string, unknown> {
  return { name: t.name, ...(t.disabled ? { disabled: true } : {}), ...t.settings };
}

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** The registry file. A missing file is an empty registry (add creates it); writes are atomic (temp + rename), mode 0600 (it may hold a token). */
export function fileRegistry(file: string): TenantRegistry {
  const origin = `--tenants ${file}`;
  const load = async (): Promise<Tenant[]> => {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw unreadable(file, err);
    }
    return parseTenants(text, origin);
  };
  const save = async (tenants: Tenant[]): Promise<void> => {
    const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
    await writeFile(tmp, JSON.stringify({ tenants: tenants.map(toJson) }, null, 2) + '\n', { mode: 0o600 });
    await rename(tmp, file);
  };
  return {
    description: `tenant file ${file}`,
    list: load,
    get: async (name) => (await load()).find((t) => same(t.name, name)),
    async add(tenant) {
      const problems = checkTenant(tenant, 'file');
      if (problems.length > 0) throw invalid(origin, problems);
      const rest = (await load()).filter((t) => !same(t.name, tenant.name));
      await save([...rest, tenant].sort((a, b) => a.name.localeCompare(b.name)));
    },
    async remove(name) {
      const all = await load();
      const rest = all.filter((t) => !same(t.name, name));
      if (rest.length === all.length) return false;
      await save(rest);
      return true;
    },
    async setDisabled(name, disabled) {
      const all = await load();
      const t = all.find((x) => same(x.name, name));
      if (!t) return false;
      t.disabled = disabled || undefined;
      await save(all);
      return true;
    },
  };
}

/** The partition of the checkpoint table that holds the registry. */
export const TENANT_PARTITION = '~tenants';

type TableState = Extract<StateConfig, { kind: 'table' }>;

/** The registry as rows of the checkpoint table (same account, same connection settings, same per-call deadline). */
export function tableRegistry(state: TableState, options: { timeoutMs?: number } = {}): TenantRegistry {
  const timeoutMs = options.timeoutMs ?? TABLE_TIMEOUT_MS;
  const where = `tenant registry in table ${state.tableName}`;
  let ready: Promise<TableClient> | undefined;
  const connect = async (): Promise<TableClient> => {
    const { TableClient } = await import('@azure/data-tables');
    const clientOptions = { retryOptions: { maxRetries: 2, retryDelayInMs: 250, maxRetryDelayInMs: 1_000 } };
    const client = state.connectionString
      ? TableClient.fromConnectionString(state.connectionString, state.tableName, { ...clientOptions, allowInsecureConnection: /UseDevelopmentStorage=true|Endpoint=http:\/\//i.test(state.connectionString) })
      : new TableClient(state.tableServiceUri!, state.tableName, azureCredential({ clientId: state.clientId }), clientOptions);
    await client.createTable({ abortSignal: AbortSignal.timeout(timeoutMs) });
    return client;
  };
  /** One bounded call; a failure names the table and the operation, never the connection string. */
  const call = async <T>(what: string, run: (client: TableClient, abortSignal: AbortSignal) => Promise<T>): Promise<T> => {
    try {
      ready ??= connect();
      const client = await ready.catch((err: unknown) => {
        ready = undefined;
        throw err;
      });
      return await run(client, AbortSignal.timeout(timeoutMs));
    } catch (err) {
      if (err instanceof RelayError) throw err;
      const timedOut = (err as { name?: string }).name === 'AbortError' || (err as { name?: string }).name === 'TimeoutError';
      const code = (err as { code?: string; statusCode?: number }).code ?? (err as { statusCode?: number }).statusCode ?? 'error';
      throw new RelayError('CHECKPOINT_UNAVAILABLE', 'checkpoint', `${where}: ${what} ${timedOut ? `got no answer within ${timeoutMs} ms` : `failed (${code})`}`, { cause: err });
    }
  };
  const fromRow = (row: Record<string, unknown>): Tenant => {
    let settings: Record<string, string>;
    try {
      settings = JSON.parse(String(row.settings ?? '{}')) as Record<string, string>;
    } catch {
      throw new RelayError('CONFIG_INVALID', 'config', `${where}: tenant "${String(row.name)}": settings: the stored column is not JSON (re-add the tenant)`);
    }
    return { name: String(row.name), disabled: row.disabled === true ? true : undefined, settings };
  };
  const get = async (name: string) =>
    !TENANT_NAME.test(name) ? undefined : call(`reading tenant "${name}"`, async (client, abortSignal) => {
      try {
        return fromRow(await client.getEntity(TENANT_PARTITION, name.toLowerCase(), { abortSignal }));
      } catch (err) {
        if ((err as { statusCode?: number }).statusCode === 404) return undefined;
        throw err;
      }
    });
  return {
    description: where,
    list: () =>
      call('listing tenants', async (client, abortSignal) => {
        const out: Tenant[] = [];
        const rows = client.listEntities({ queryOptions: { filter: `PartitionKey eq '${TENANT_PARTITION}'` }, abortSignal });
        for await (const row of rows) out.push(fromRow(row));
        return out.sort((a, b) => a.name.localeCompare(b.name));
      }),
    get,
    async add(tenant) {
      const problems = checkTenant(tenant, 'table');
      if (problems.length > 0) throw invalid(where, problems);
      await call(`writing tenant "${tenant.name}"`, (client, abortSignal) =>
        client.upsertEntity({ partitionKey: TENANT_PARTITION, rowKey: tenant.name.toLowerCase(), name: tenant.name, disabled: tenant.disabled === true, settings: JSON.stringify(tenant.settings) }, 'Replace', { abortSignal }),
      );
    },
    remove: async (name) =>
      !TENANT_NAME.test(name) ? false : call(`removing tenant "${name}"`, async (client, abortSignal) => {
        try {
          await client.deleteEntity(TENANT_PARTITION, name.toLowerCase(), { abortSignal });
          return true;
        } catch (err) {
          if ((err as { statusCode?: number }).statusCode === 404) return false;
          throw err;
        }
      }),
    async setDisabled(name, disabled) {
      if (!(await get(name))) return false;
      await call(`updating tenant "${name}"`, (client, abortSignal) => client.updateEntity({ partitionKey: TENANT_PARTITION, rowKey: name.toLowerCase(), disabled }, 'Merge', { abortSignal }));
      return true;
    },
  };
}
