// CI gate for the Bicep: every file compiles and lints clean with the real CLI, with the security rules at error.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { bicep, buildAll, infraDir, listFiles, type ArmTemplate, type CliResult } from './bicep.js';

const securityRules = [
  'secure-secrets-in-params',
  'outputs-should-not-contain-secrets',
  'use-secure-value-for-secure-inputs',
  'secure-parameter-default',
  'no-hardcoded-env-urls',
  'no-unused-params',
  'no-unused-vars',
  'use-resource-symbol-reference',
  'use-recent-api-versions',
  // az deployment group what-if must be able to predict every nested resource (issue: seven findings before).
  'what-if-short-circuiting',
];

let build: { result: CliResult; templates: Map<string, ArmTemplate> };
let lint: CliResult;
let bicepFiles: string[];
let paramFiles: string[];

beforeAll(async () => {
  bicepFiles = (await listFiles(infraDir, '.bicep')).map((f) => path.relative(infraDir, f));
  paramFiles = await listFiles(infraDir, '.bicepparam');
  // One CLI run each: '*.bicep*' lints the templates and the parameter files (checked against their template).
  [build, lint] = await Promise.all([buildAll(), bicep(['lint', '--pattern', 'infra/**/*.bicep*'])]);
});

describe('bicep files', () => {
  it('include the main template, its modules and an example parameter file', () => {
    expect(bicepFiles).toContain('main.bicep');
    expect(bicepFiles.filter((f) => f.startsWith(`modules${path.sep}`)).length).toBeGreaterThanOrEqual(5);
    expect(paramFiles.map((f) => path.basename(f))).toContain('main.bicepparam');
  });

  it('all compile without a diagnostic', () => {
    expect(build.result.output).toBe('');
    expect(build.result.code).toBe(0);
    expect([...build.templates.keys()].sort()).toEqual([...bicepFiles].sort());
  });

  it('all, parameter files included, lint without a warning or error', () => {
    expect(lint.output).toBe('');
    expect(lint.code).toBe(0);
  });

  it('use no registry modules (the build must work offline)', async () => {
    for (const file of bicepFiles) {
      const text = await readFile(path.join(infraDir, file), 'utf8');
      expect(text, file).not.toMatch(/['"](br|ts|br\/public):/);
    }
  });
});

describe('bicepconfig.json', () => {
  it('raises the security lint rules to error', async () => {
    const config = JSON.parse(await readFile(path.join(infraDir, 'bicepconfig.json'), 'utf8')) as {
      analyzers: { core: { enabled: boolean; rules: Record<string, { level: string }> } };
    };
    expect(config.analyzers.core.enabled).toBe(true);
    for (const rule of securityRules) expect(config.analyzers.core.rules[rule]?.level, rule).toBe('error');
  });

  it('makes the linter fail a template that returns a secret', async () => {
    // The gate itself must bite: a throwaway template outside the tree, linted with this config, returns a key.
    const dir = await mkdtemp(path.join(tmpdir(), 'bicep-probe-'));
    const probe = path.join(dir, 'probe.bicep');
    await writeFile(
      probe,
      "param name string\nresource sa 'Microsoft.Storage/storageAccounts@2025-01-01' existing = { name: name }\n" +
        'output k string = sa.listKeys().keys[0].value\n',
    );
    try {
      const result = await bicep(['lint', probe, '--config', path.join(infraDir, 'bicepconfig.json')]);
      expect(result.code).not.toBe(0);
      expect(result.output).toMatch(/Error outputs-should-not-contain-secrets/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('makes the linter fail a module whose resource name comes from another resource at run time', async () => {
    // What-if short-circuits such a module: it cannot name what the module deploys.
    const dir = await mkdtemp(path.join(tmpdir(), 'bicep-probe-'));
    await writeFile(
      path.join(dir, 'child.bicep'),
      "param principalId string\nresource a 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {\n  name: 'id-${principalId}'\n  location: 'westeurope'\n}\n",
    );
    await writeFile(
      path.join(dir, 'probe.bicep'),
      "resource id 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {\n  name: 'x'\n  location: 'westeurope'\n}\n" +
        "module child 'child.bicep' = {\n  name: 'child'\n  params: { principalId: id.properties.principalId }\n}\n",
    );
    try {
      const result = await bicep(['lint', path.join(dir, 'probe.bicep'), '--config', path.join(infraDir, 'bicepconfig.json')]);
      expect(result.code).not.toBe(0);
      expect(result.output).toMatch(/Error what-if-short-circuiting/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
