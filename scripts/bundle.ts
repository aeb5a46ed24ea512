// `npm run package`: bundles the Function entry points with esbuild into dist/app/ (ESM, shared
// chunks, Azure SDKs tree-shaken) so a cold start loads a few files instead of hundreds of modules.
// `@azure/functions-core` stays external: the Functions worker provides it at run time.
import { build } from 'esbuild';
import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const outdir = path.join(repo, 'dist', 'app');

export async function bundle(): Promise<{ files: number; bytes: number }> {
  await rm(outdir, { recursive: true, force: true });
  const entries = (await readdir(path.join(repo, 'functions'))).filter((f) => f.endsWith('.ts')).map((f) => path.join(repo, 'functions', f));
  await build({
    entryPoints: entries,
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    minify: true,
    sourcemap: 'linked',
    treeShaking: true,
    legalComments: 'linked',
    chunkNames: 'chunks/[name]-[hash]',
    external: ['@azure/functions-core'],
    // CommonJS dependencies call require() for Node built-ins; give the ESM bundle one.
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    logLevel: 'warning',
  });
  let files = 0;
  let bytes = 0;
  const walk = async (dir: string): Promise<void> => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.name.endsWith('.js')) {
        files++;
        bytes += (await stat(p)).size;
      }
    }
  };
  await walk(outdir);
  return { files, bytes };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const { files, bytes } = await bundle();
  console.log(`bundled ${files} JavaScript files, ${(bytes / 1024).toFixed(0)} KiB, into dist/app/`);
}
