// The deployment package, as `func azure functionapp publish` builds it from this folder: .funcignore applied with
// Core Tools' semantics (test/infra/funcignore.ts) to the real working tree after `npm run build`. It must be
// host.json, package.json and dist/app/** exactly, and hold every entry point package.json `main` names.
import { mkdtemp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from './bicep.js';
import { funcIgnore, packageFiles, readFuncignore, type PackageFile } from './funcignore.js';

let files: PackageFile[];
let appFiles: string[];

beforeAll(async () => {
  const app = path.join(repoRoot, 'dist', 'app');
  const entries = await readdir(app, { recursive: true, withFileTypes: true }).catch(() => {
    throw new Error('dist/app is missing: run `npm run build` first (npm test does)');
  });
  appFiles = entries.filter((e) => e.isFile()).map((e) => path.relative(repoRoot, path.join(e.parentPath, e.name)).split(path.sep).join('/'));
  files = await packageFiles(repoRoot, await readFuncignore(repoRoot));
});

describe('the deployment package', () => {
  it('is host.json, package.json and dist/app/** and nothing else', () => {
    expect(files.map((f) => f.path)).toEqual(['host.json', 'package.json', ...appFiles].sort((a, b) => a.localeCompare(b)));
    // The build leaves other output next to the bundle; it must stay out (the reported 251-file package held it).
    expect(files.some((f) => /^dist\/(src|bench|scripts|functions)\//.test(f.path))).toBe(false);
  });

  it('holds each entry point that package.json main names', async () => {
    const main = (JSON.parse(await readFile(path.join(repoRoot, 'package.json'), 'utf8')) as { main: string }).main;
    const pattern = funcIgnore(`*\n!${main}`);
    const entries = files.filter((f) => f.path.startsWith('dist/app/') && pattern(f.path) && f.path.endsWith('.js'));
    expect(entries.map((f) => path.basename(f.path)).sort()).toEqual(['keyvault-events.js', 'relay.js', 'status.js', 'tenants.js']);
  });

  it('stays small: under 1.5 MB of JavaScript, under 8 MB with the source maps, no node_modules', () => {
    const sum = (list: PackageFile[]): number => list.reduce((n, f) => n + f.bytes, 0);
    const js = sum(files.filter((f) => f.path.endsWith('.js')));
    const all = sum(files);
    // Core Tools matches rules by prefix, so '!dist/app/*.js' would keep the .js.map files too: the maps ship.
    console.log(`deployment package: ${files.length} files, ${(all / 1e6).toFixed(2)} MB (${(js / 1e6).toFixed(2)} MB JavaScript)`);
    expect(files.some((f) => f.path.includes('node_modules/'))).toBe(false);
    expect(js).toBeLessThan(1.5e6);
    expect(all).toBeLessThan(8e6);
  });
});

describe("Core Tools' ignore semantics (as reimplemented here)", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'funcignore-'));
    for (const f of ['host.json', 'package.json', 'local.settings.json', 'dist/app/relay.js', 'dist/app/chunks/a.js', 'dist/src/x.js', '.git/HEAD', 'test/t.ts']) {
      await mkdir(path.dirname(path.join(dir, f)), { recursive: true });
      await writeFile(path.join(dir, f), 'x');
    }
    return () => rm(dir, { recursive: true, force: true });
  });

  it("let any '!' rule win: the old '!dist/' shipped all of dist/ despite 'dist/*'", async () => {
    const old = '*\n!host.json\n!package.json\n!dist/\ndist/*\n!dist/app/\n!dist/app/**\n';
    expect((await packageFiles(dir, old)).map((f) => f.path)).toContain('dist/src/x.js');
  });

  it('never ship local.settings.json or anything under .git, whatever the rules', async () => {
    const all = (await packageFiles(dir, '')).map((f) => f.path);
    expect(all).toContain('test/t.ts');
    expect(all).not.toContain('local.settings.json');
    expect(all.some((p) => p.startsWith('.git/'))).toBe(false);
  });

  it('match rules from the start of the path only, one segment per *', () => {
    const accepts = funcIgnore('*\n!dist/app/**\n!host.json');
    expect(accepts('dist/app/chunks/a.js')).toBe(true);
    expect(accepts('dist/app')).toBe(false);
    expect(accepts('x/dist/app/a.js')).toBe(false);
    expect(accepts('host.json.bak')).toBe(true);
    expect(funcIgnore('*.ts')('test/t.ts')).toBe(true);
    expect(funcIgnore('*.ts')('t.ts')).toBe(false);
  });

  it('with the committed .funcignore, the fixture package is host.json, package.json and dist/app only', async () => {
    const list = (await packageFiles(dir, await readFuncignore(repoRoot))).map((f) => f.path);
    expect(list).toEqual(['dist/app/chunks/a.js', 'dist/app/relay.js', 'host.json', 'package.json']);
  });
});
