// After an end-to-end test: nothing the relay stored (checkpoint and status files, Table entities) may
// hold a secret. The redaction guard sees output; this sees what is left on disk and in the table.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { TableClient } from '@azure/data-tables';
import { assertNoSecrets } from './secrets.js';

/** Every file under `dir` (recursively), read as text and checked. Returns how many files were read. */
export async function assertNoSecretsInDir(dir: string): Promise<number> {
  let files = 0;
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true }).catch(() => [])) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) {
        files++;
        assertNoSecrets(await readFile(p, 'utf8'), `state file ${path.relative(dir, p)}`);
      }
    }
  };
  await walk(dir);
  return files;
}

/** Every entity of the table, serialized and checked. Returns how many entities were read. */
export async function assertNoSecretsInTable(connectionString: string, tableName: string): Promise<number> {
  const client = TableClient.fromConnectionString(connectionString, tableName, { allowInsecureConnection: true });
  let n = 0;
  for await (const entity of client.listEntities()) {
    n++;
    assertNoSecrets(JSON.stringify(entity), `table ${tableName} entity ${entity.partitionKey}/${entity.rowKey}`);
  }
  return n;
}
