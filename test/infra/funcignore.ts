// Test helper: the file list `func azure functionapp publish` zips, computed with Azure Functions Core Tools' own
// .funcignore semantics (src/Azure.Functions.Cli/Common/GitIgnoreParser.cs, a port of codemix/gitignore-parser, and
// FileSystemHelpers.GetLocalFiles), which differ from git's:
// - rules split into ignore and '!' lists; a path is accepted when any '!' rule matches it, or no ignore rule does
//   (line order plays no part);
// - each rule is a regular expression anchored at the start only: '*' is one path segment, '**' anything, the rest
//   literal; so 'host.json' also matches 'host.json.bak', and '!dist/' matches every file under dist/;
// - every file is tested by its path relative to the app root with '/' separators; directories named .git or .vscode
//   are never entered, and files named .funcignore, .gitignore, local.settings.json or project.lock.json never ship.
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';

const skippedDirectories = ['.git', '.vscode'];
const skippedFiles = ['.funcignore', '.gitignore', 'local.settings.json', 'project.lock.json'];

/** Compiles .funcignore text to Core Tools' accept predicate. */
export function funcIgnore(text: string): (relativePath: string) => boolean {
  const ignore: string[] = [];
  const keep: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const negated = line.startsWith('!');
    let rule = negated ? line.slice(1) : line;
    if (rule.startsWith('/')) rule = rule.slice(1);
    (negated ? keep : ignore).push(toPattern(rule));
  }
  const compile = (rules: string[]): RegExp => (rules.length ? new RegExp(`^((${rules.join(')|(')}))`) : /$^/);
  const ignored = compile(ignore);
  const kept = compile(keep);
  return (p) => kept.test(p) || !ignored.test(p);
}

function toPattern(rule: string): string {
  // The characters Core Tools escapes (not '*'), then '**' before '*'.
  return rule.replace(/[-[\]/{}()+?.\\^$|]/g, '\\$&').replace(/\*\*/g, '(.+)').replace(/\*/g, '([^\\/]+)');
}

export interface PackageFile {
  path: string;
  bytes: number;
}

/** Every file under root that the package would hold, sorted, with its size. */
export async function packageFiles(root: string, funcignoreText: string): Promise<PackageFile[]> {
  const accepts = funcIgnore(funcignoreText);
  const found: PackageFile[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!skippedDirectories.some((d) => d.toLowerCase() === entry.name.toLowerCase())) await walk(full);
      } else if (entry.isFile() && !skippedFiles.some((f) => f.toLowerCase() === entry.name.toLowerCase())) {
        const rel = path.relative(root, full).split(path.sep).join('/');
        if (accepts(rel)) found.push({ path: rel, bytes: (await stat(full)).size });
      }
    }
  };
  await walk(root);
  return found.sort((a, b) => a.path.localeCompare(b.path));
}

export async function readFuncignore(root: string): Promise<string> {
  return readFile(path.join(root, '.funcignore'), 'utf8');
}
