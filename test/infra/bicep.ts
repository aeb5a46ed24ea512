// Test helper: runs the real Bicep CLI (build, lint, snapshot) over infra/ and walks the resulting ARM resources.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const infraDir = path.join(repoRoot, 'infra');
/** Installed by .ci/setup-system.sh from NuGet (Azure.Bicep.CommandLine.linux-x64). */
export const bicepPath = path.join(repoRoot, '.tools', 'bicep', 'bicep');

/**
 * The example parameter file reads the token administrator's object id from this variable (docs/deployment.md, step 1),
 * and fails to compile without it. Tests set a fixed id unless the caller passes its own environment.
 */
export const tokenAdminEnv = 'RELAY_TOKEN_ADMIN_ID';
export const testTokenAdminId = '44444444-4444-4444-4444-444444444444';

export interface CliResult {
  code: number;
  output: string;
}

/** Runs the Bicep CLI from the repository root; never throws on a non-zero exit (the caller asserts on it). */
export async function bicep(args: string[], env: NodeJS.ProcessEnv = { [tokenAdminEnv]: testTokenAdminId }): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(bicepPath, args, {
      cwd: repoRoot,
      maxBuffer: 64 * 1024 * 1024,
      // Keep the CLI offline and quiet: no telemetry, no registry restore.
      env: { ...withoutTokenAdmin(process.env), ...env, BICEP_TELEMETRY_ENABLED: 'false', DOTNET_CLI_TELEMETRY_OPTOUT: '1' },
    });
    return { code: 0, output: `${stdout}${stderr}`.trim() };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, output: `${e.stdout ?? ''}${e.stderr ?? ''}`.trim() };
  }
}

function withoutTokenAdmin(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const copy = { ...env };
  delete copy[tokenAdminEnv];
  return copy;
}

export type Json = Record<string, unknown>;

export interface ArmResource {
  type: string;
  name: unknown;
  condition?: unknown;
  existing?: boolean;
  properties?: Json;
  [key: string]: unknown;
}

export interface ArmTemplate {
  resources: ArmResource[] | Record<string, ArmResource>;
  outputs?: Record<string, { type: string; value: unknown }>;
  definitions?: Record<string, Json>;
  [key: string]: unknown;
}

/** Builds every .bicep under infra/ in one CLI run; returns compiled templates keyed by path relative to infra/. */
export async function buildAll(): Promise<{ result: CliResult; templates: Map<string, ArmTemplate> }> {
  const out = await mkdtemp(path.join(tmpdir(), 'bicep-build-'));
  try {
    const result = await bicep(['build', '--pattern', 'infra/**/*.bicep', '--outdir', out]);
    const templates = new Map<string, ArmTemplate>();
    for (const file of await listFiles(infraDir, '.bicep')) {
      const rel = path.relative(infraDir, file);
      const json = path.join(out, rel.replace(/\.bicep$/, '.json'));
      try {
        templates.set(rel, JSON.parse(await readFile(json, 'utf8')) as ArmTemplate);
      } catch {
        // Missing output: the build result carries the reason.
      }
    }
    return { result, templates };
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

export async function listFiles(dir: string, ext: string): Promise<string[]> {
  const { readdir } = await import('node:fs/promises');
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith(ext))
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}

/** Every resource of a template and of the templates of its nested deployments (modules), minus `existing` ones. */
export function walkResources(template: ArmTemplate): ArmResource[] {
  const list = Array.isArray(template.resources) ? template.resources : Object.values(template.resources);
  const found: ArmResource[] = [];
  for (const r of list) {
    if (r.existing === true) continue;
    found.push(r);
    const nested = (r.properties as { template?: ArmTemplate } | undefined)?.template;
    if (r.type === 'Microsoft.Resources/deployments' && nested) found.push(...walkResources(nested));
  }
  return found;
}

/** Outputs of a template and of every nested template. */
export function walkOutputs(template: ArmTemplate): Array<[string, { type: string; value: unknown }]> {
  const found = Object.entries(template.outputs ?? {});
  const list = Array.isArray(template.resources) ? template.resources : Object.values(template.resources);
  for (const r of list) {
    const nested = (r.properties as { template?: ArmTemplate } | undefined)?.template;
    if (r.type === 'Microsoft.Resources/deployments' && nested) found.push(...walkOutputs(nested));
  }
  return found;
}

export function ofType(resources: ArmResource[], type: string): ArmResource[] {
  return resources.filter((r) => r.type.toLowerCase() === type.toLowerCase());
}

export function only(resources: ArmResource[], type: string): ArmResource {
  const found = ofType(resources, type);
  if (found.length !== 1) throw new Error(`expected exactly one ${type}, found ${found.length}`);
  return found[0]!;
}

export interface Snapshot {
  predictedResources: ArmResource[];
  diagnostics: unknown[];
  outputs: Record<string, unknown>;
}

export const snapshotScope = {
  subscriptionId: '00000000-0000-0000-0000-000000000000',
  resourceGroup: 'rg-relay-test',
  tenantId: '11111111-1111-1111-1111-111111111111',
  location: 'westeurope',
};

/**
 * Evaluates main.bicep with a parameter file's body via `bicep snapshot`: conditions, loops and modules are expanded
 * into the resources a deployment would create (values known only at deploy time stay ARM expressions).
 */
export async function snapshot(paramsBody: string): Promise<{ result: CliResult; snapshot?: Snapshot }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'bicep-snap-'));
  try {
    await mkdir(dir, { recursive: true });
    // `using` must be a relative path.
    const using = path.relative(dir, path.join(infraDir, 'main.bicep')).split(path.sep).join('/');
    const file = path.join(dir, 'case.bicepparam');
    await writeFile(file, `using '${using}'\n\n${paramsBody}\n`);
    const result = await bicep([
      'snapshot', file,
      '--subscription-id', snapshotScope.subscriptionId,
      '--resource-group', snapshotScope.resourceGroup,
      '--tenant-id', snapshotScope.tenantId,
      '--location', snapshotScope.location,
    ]);
    if (result.code !== 0) return { result };
    const snap = JSON.parse(await readFile(path.join(dir, 'case.snapshot.json'), 'utf8')) as Snapshot;
    return { result, snapshot: snap };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The example parameter file's body without its `using` line, for snapshotting it from elsewhere. */
export async function exampleParamsBody(): Promise<string> {
  const text = await readFile(path.join(infraDir, 'main.bicepparam'), 'utf8');
  return text.replace(/^using\s+'[^']*'\s*$/m, '');
}

/** Compiles infra/main.bicep (modules become nested deployments) and returns the ARM template. */
export async function buildMain(): Promise<ArmTemplate> {
  const result = await bicep(['build', 'infra/main.bicep', '--stdout']);
  if (result.code !== 0) throw new Error(`bicep build failed:\n${result.output}`);
  // With --stdout the template is the whole output (diagnostics, if any, precede it on stderr).
  const start = result.output.indexOf('{');
  return JSON.parse(result.output.slice(start)) as ArmTemplate;
}

/** Snapshot resource types, lower-cased, for presence checks. */
export function types(resources: ArmResource[]): string[] {
  return resources.map((r) => r.type.toLowerCase());
}
