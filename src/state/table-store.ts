// Checkpoints and status as entities in Azure Table Storage (the Function's store).
// PartitionKey = relay name; RowKey = `checkpoint-<dataType>` or `status`. Updates of a checkpoint
// are ETag-conditional (If-Match), creation is insert-only, so two runners can never both win.
import type { TableClient, TableEntityResult } from '@azure/data-tables';
import type { TokenCredential } from '@azure/identity';
import { azureCredential } from '../secrets/credential.js';
import { RelayError } from '../errors.js';
import type { DataType } from '../mdca/types.js';
import type { CheckpointRecord, StateStore, StatusRecord, Versioned } from './types.js';

// A string property holds at most 64 KiB (32K UTF-16 chars); an entity at most 1 MiB.
const CHUNK_CHARS = 30_000;
const MAX_CHUNKS = 15;

type Row = Record<string, unknown> & { partitionKey: string; rowKey: string };

export interface TableStoreOptions {
  tableName: string;
  relayName: string;
  connectionString?: string;
  tableServiceUri?: string;
  clientId?: string;
  credential?: TokenCredential;
}

/** Keys may not contain / \ # ? or control characters. */
function keyOf(name: string): string {
  return name.replace(/[/\\#?\u0000-\u001f\u007f-\u009f]/g, '_');
}

function statusOf(err: unknown): number | undefined {
  return (err as { statusCode?: number }).statusCode;
}

function unavailable(what: string, err: unknown): RelayError {
  const code = (err as { code?: string }).code ?? statusOf(err) ?? 'error';
  return new RelayError('CHECKPOINT_UNAVAILABLE', 'checkpoint', `checkpoint table: ${what} failed (${code})`, { cause: err });
}

export class TableStateStore implements StateStore {
  readonly description: string;
  private readonly pk: string;
  private readonly connect: () => Promise<TableClient>;
  private ready: Promise<TableClient> | undefined;

  constructor(options: TableStoreOptions) {
    this.pk = keyOf(options.relayName);
    // The Tables SDK loads on first use: the status and Event Grid Functions start without it.
    const sdk = () => import('@azure/data-tables');
    if (options.connectionString) {
      const cs = options.connectionString;
      const insecure = /UseDevelopmentStorage=true|Endpoint=http:\/\//i.test(cs);
      this.connect = async () => (await sdk()).TableClient.fromConnectionString(cs, options.tableName, { allowInsecureConnection: insecure });
      this.description = `table ${options.tableName} (connection string)`;
    } else if (options.tableServiceUri) {
      const uri = options.tableServiceUri;
      const credential = options.credential ?? azureCredential({ clientId: options.clientId });
      this.connect = async () => new (await sdk()).TableClient(uri, options.tableName, credential);
      this.description = `table ${options.tableName} at ${options.tableServiceUri}`;
    } else {
      throw new RelayError('CONFIG_INVALID', 'config', 'checkpoint table: neither a connection string nor a table service URI is set');
    }
  }

  /** The client, once the table exists (created on first use). */
  private table(): Promise<TableClient> {
    this.ready ??= this.connect().then(async (client) => {
      try {
        await client.createTable();
      } catch (err) {
        this.ready = undefined;
        throw unavailable('creating the table', err);
      }
      return client;
    });
    return this.ready;
  }

  private async get(rowKey: string): Promise<TableEntityResult<Row> | undefined> {
    const client = await this.table();
    try {
      return await client.getEntity<Row>(this.pk, rowKey);
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw unavailable(`reading ${rowKey}`, err);
    }
  }

  private toRow(rowKey: string, value: unknown, extra: Record<string, unknown>): Row {
    const json = JSON.stringify(value);
    const chunks = Math.ceil(json.length / CHUNK_CHARS) || 1;
    if (chunks > MAX_CHUNKS) throw new RelayError('INTERNAL', 'checkpoint', `${rowKey} is too large for one table entity (${json.length} chars)`);
    const row: Row = { partitionKey: this.pk, rowKey, chunks, ...extra };
    for (let i = 0; i < chunks; i++) row[`data${i}`] = json.slice(i * CHUNK_CHARS, (i + 1) * CHUNK_CHARS);
    return row;
  }

  private fromRow<T>(row: Row): T {
    let json = '';
    for (let i = 0; i < Number(row.chunks ?? 1); i++) json += String(row[`data${i}`] ?? '');
    return JSON.parse(json) as T;
  }

  async readCheckpoint(dataType: DataType): Promise<Versioned<CheckpointRecord> | undefined> {
    const row = await this.get(`checkpoint-${dataType}`);
    return row && { value: this.fromRow<CheckpointRecord>(row), etag: row.etag };
  }

  async writeCheckpoint(dataType: DataType, value: CheckpointRecord, etag: string | undefined): Promise<string> {
    const client = await this.table();
    // Plain columns beside the JSON so an operator can read the position in Storage Explorer.
    const row = this.toRow(`checkpoint-${dataType}`, value, {
      watermark: new Date(value.cursor.watermark).toISOString(),
      leaseOwner: value.lease?.owner ?? '',
      deliveredTotal: value.deliveredTotal,
    });
    try {
      const res = etag === undefined ? await client.createEntity(row) : await client.updateEntity(row, 'Replace', { etag });
      if (!res.etag) throw new Error('no ETag in the answer');
      return res.etag;
    } catch (err) {
      const status = statusOf(err);
      if (status === 412 || status === 409) throw new RelayError('CHECKPOINT_CONFLICT', 'checkpoint', `the ${dataType} checkpoint was changed by another runner`, { cause: err });
      throw unavailable(`writing the ${dataType} checkpoint`, err);
    }
  }

  async readStatus(): Promise<StatusRecord | undefined> {
    const row = await this.get('status');
    return row && this.fromRow<StatusRecord>(row);
  }

  async updateStatus(update: (current: StatusRecord | undefined) => StatusRecord): Promise<StatusRecord> {
    // Optimistic read-modify-write: retry a few times if another runner wrote in between.
    for (let attempt = 0; ; attempt++) {
      const row = await this.get('status');
      const next = update(row && this.fromRow<StatusRecord>(row));
      const entity = this.toRow('status', next, { state: '' });
      const client = await this.table();
      try {
        if (row) await client.updateEntity(entity, 'Replace', { etag: row.etag });
        else await client.createEntity(entity);
        return next;
      } catch (err) {
        const status = statusOf(err);
        if ((status === 412 || status === 409) && attempt < 4) continue;
        throw unavailable('writing the status', err);
      }
    }
  }
}
