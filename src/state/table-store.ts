// Checkpoints and status as entities in Azure Table Storage (the Function's store).
// PartitionKey = relay name; RowKey = `checkpoint-<dataType>` or `status`. Updates of a checkpoint
// are ETag-conditional (If-Match), creation is insert-only, so two runners can never both win.
//
// Every store call is bounded (issue 13, item 4: a frozen endpoint that accepts connections and
// never answers held `run --once` for 584 s without a log line):
//  - One deadline per store call (`timeoutMs`, default 10 s) covers everything the call does: the
//    first-use createTable, the read, the write and the status retries. It ends the call with
//    CHECKPOINT_UNAVAILABLE "no answer within N ms", naming the table (never the connection string,
//    which holds the account key).
//  - The SDK's own retries are few and short, so they fit inside that deadline. (This SDK, on
//    core-rest-pipeline, has no per-try timeout: a try that hangs is ended by the deadline.)
//  - An abort of the caller's signal (the run's time budget) rethrows `signal.reason` unchanged, as
//    the API client does (src/mdca/client.ts): the run sees the same error whichever stage it was in.
// A write whose answer never came may still have been applied by the service: the next write is
// conditional on the ETag this runner last saw, so it then fails with CHECKPOINT_CONFLICT rather
// than overwrite (nothing is half-applied: an entity update is all or nothing).
import type { TableClient, TableEntityResult } from '@azure/data-tables';
import type { TokenCredential } from '@azure/identity';
import { azureCredential } from '../secrets/credential.js';
import { RelayError } from '../errors.js';
import type { Stream as DataType } from '../sources/types.js';
import type { CheckpointRecord, StateStore, StatusRecord, Versioned } from './types.js';

// A string property holds at most 64 KiB (32K UTF-16 chars); an entity at most 1 MiB.
const CHUNK_CHARS = 30_000;
const MAX_CHUNKS = 15;

/** Default deadline of one store call. */
export const TABLE_TIMEOUT_MS = 10_000;
// A refused or reset connection, a 503 or a 500 is retried twice, 250 ms then 500 ms later.
const RETRY_OPTIONS = { maxRetries: 2, retryDelayInMs: 250, maxRetryDelayInMs: 1_000 };

type Row = Record<string, unknown> & { partitionKey: string; rowKey: string };

export interface TableStoreOptions {
  tableName: string;
  relayName: string;
  connectionString?: string;
  tableServiceUri?: string;
  clientId?: string;
  credential?: TokenCredential;
  /** Deadline of one store call in ms (default TABLE_TIMEOUT_MS). */
  timeoutMs?: number;
}

/** Keys may not contain / \ # ? or control characters. */
function keyOf(name: string): string {
  return name.replace(/[/\\#?\u0000-\u001f\u007f-\u009f]/g, '_');
}

function statusOf(err: unknown): number | undefined {
  return (err as { statusCode?: number } | undefined)?.statusCode;
}

/** The deadline and the caller's signal of one store call. */
interface Call {
  what: string;
  signal: AbortSignal;
  caller?: AbortSignal;
  timeout: AbortSignal;
}

export class TableStateStore implements StateStore {
  readonly description: string;
  private readonly pk: string;
  private readonly tableName: string;
  private readonly timeoutMs: number;
  private readonly connect: () => Promise<TableClient>;
  private ready: Promise<TableClient> | undefined;

  constructor(options: TableStoreOptions) {
    this.pk = keyOf(options.relayName);
    this.tableName = options.tableName;
    this.timeoutMs = options.timeoutMs ?? TABLE_TIMEOUT_MS;
    if (!(this.timeoutMs > 0)) throw new RelayError('CONFIG_INVALID', 'config', `checkpoint table: the call timeout must be above 0 ms (got ${options.timeoutMs})`);
    const clientOptions = { retryOptions: RETRY_OPTIONS };
    // The Tables SDK loads on first use: the status and Event Grid Functions start without it.
    const sdk = () => import('@azure/data-tables');
    if (options.connectionString) {
      const cs = options.connectionString;
      const insecure = /UseDevelopmentStorage=true|Endpoint=http:\/\//i.test(cs);
      this.connect = async () => (await sdk()).TableClient.fromConnectionString(cs, options.tableName, { ...clientOptions, allowInsecureConnection: insecure });
      this.description = `table ${options.tableName} (connection string)`;
    } else if (options.tableServiceUri) {
      const uri = options.tableServiceUri;
      const credential = options.credential ?? azureCredential({ clientId: options.clientId });
      this.connect = async () => new (await sdk()).TableClient(uri, options.tableName, credential, clientOptions);
      // A SAS query string would be a secret: the description keeps the address only.
      this.description = `table ${options.tableName} at ${uri.replace(/[?#].*$/, '')}`;
    } else {
      throw new RelayError('CONFIG_INVALID', 'config', 'checkpoint table: neither a connection string nor a table service URI is set');
    }
  }

  /** Starts one store call: its deadline, combined with the caller's signal. */
  private begin(what: string, caller: AbortSignal | undefined): Call {
    caller?.throwIfAborted();
    const timeout = AbortSignal.timeout(this.timeoutMs);
    return { what, caller, timeout, signal: caller ? AbortSignal.any([caller, timeout]) : timeout };
  }

  /** The error for a failed SDK call: the caller's abort, the deadline, or the service's answer. */
  private failure(call: Call, err: unknown): unknown {
    if (call.caller?.aborted) return call.caller.reason;
    if (call.timeout.aborted) {
      return new RelayError('CHECKPOINT_UNAVAILABLE', 'checkpoint', `checkpoint table ${this.tableName}: ${call.what} got no answer within ${this.timeoutMs} ms`, { cause: err });
    }
    if (err instanceof RelayError) return err;
    const code = (err as { code?: string } | undefined)?.code ?? statusOf(err) ?? 'error';
    return new RelayError('CHECKPOINT_UNAVAILABLE', 'checkpoint', `checkpoint table ${this.tableName}: ${call.what} failed (${code})`, { cause: err });
  }

  /** Runs one SDK operation under the call's signal; `expected` maps answers that are not failures. */
  private async op<T>(call: Call, run: (options: { abortSignal: AbortSignal }) => Promise<T>, expected?: (err: unknown) => T | RelayError | undefined): Promise<T> {
    try {
      return await untilAborted(run({ abortSignal: call.signal }), call.signal);
    } catch (err) {
      if (!call.signal.aborted && expected) {
        const mapped = expected(err);
        if (mapped instanceof RelayError) throw mapped;
        if (mapped !== undefined) return mapped;
      }
      throw this.failure(call, err);
    }
  }

  /**
   * The client, once the table exists (created on first use). The creation has a deadline of its
   * own, not a caller's signal, so one caller's abort never fails the others waiting on it.
   */
  private async table(call: Call): Promise<TableClient> {
    this.ready ??= this.connect().then(async (client) => {
      await this.op(this.begin('creating the table', undefined), (o) => client.createTable(o));
      return client;
    });
    const ready = this.ready;
    try {
      // A later caller waiting on the first one's createTable still ends at its own deadline.
      return await untilAborted(ready, call.signal);
    } catch (err) {
      if (this.ready === ready) this.ready = undefined;
      throw this.failure({ ...call, what: 'creating the table' }, err);
    }
  }

  private async get(call: Call, rowKey: string): Promise<TableEntityResult<Row> | undefined> {
    const client = await this.table(call);
    const row = await this.op<TableEntityResult<Row> | null>(call, (o) => client.getEntity<Row>(this.pk, rowKey, o), (err) => (statusOf(err) === 404 ? null : undefined));
    return row ?? undefined;
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

  async readCheckpoint(dataType: DataType, signal?: AbortSignal): Promise<Versioned<CheckpointRecord> | undefined> {
    const row = await this.get(this.begin(`reading the ${dataType} checkpoint`, signal), `checkpoint-${dataType}`);
    return row ? { value: this.fromRow<CheckpointRecord>(row), etag: row.etag } : undefined;
  }

  async writeCheckpoint(dataType: DataType, value: CheckpointRecord, etag: string | undefined, signal?: AbortSignal): Promise<string> {
    const call = this.begin(`writing the ${dataType} checkpoint`, signal);
    const client = await this.table(call);
    // Plain columns beside the JSON so an operator can read the position in Storage Explorer.
    const row = this.toRow(`checkpoint-${dataType}`, value, {
      watermark: new Date(value.cursor.watermark).toISOString(),
      leaseOwner: value.lease?.owner ?? '',
      deliveredTotal: value.deliveredTotal,
    });
    const conflict = (err: unknown) => {
      const status = statusOf(err);
      if (status === 412 || status === 409) return new RelayError('CHECKPOINT_CONFLICT', 'checkpoint', `the ${dataType} checkpoint was changed by another runner`, { cause: err });
      return undefined;
    };
    const res = await this.op(call, (o) => (etag === undefined ? client.createEntity(row, o) : client.updateEntity(row, 'Replace', { ...o, etag })), conflict);
    if (!res.etag) throw this.failure(call, new Error('no ETag in the answer'));
    return res.etag;
  }

  async readStatus(signal?: AbortSignal): Promise<StatusRecord | undefined> {
    const row = await this.get(this.begin('reading the status', signal), 'status');
    return row ? this.fromRow<StatusRecord>(row) : undefined;
  }

  async updateStatus(update: (current: StatusRecord | undefined) => StatusRecord, signal?: AbortSignal): Promise<StatusRecord> {
    const call = this.begin('writing the status', signal);
    // Optimistic read-modify-write: retry a few times if another runner wrote in between.
    for (let attempt = 0; ; attempt++) {
      const row = await this.get(call, 'status');
      const next = update(row ? this.fromRow<StatusRecord>(row) : undefined);
      const entity = this.toRow('status', next, { state: '' });
      const client = await this.table(call);
      const lost = Symbol('lost');
      const raced = (err: unknown) => {
        const status = statusOf(err);
        return (status === 412 || status === 409) && attempt < 4 ? lost : undefined;
      };
      const out = await this.op<unknown>(call, (o) => (row ? client.updateEntity(entity, 'Replace', { ...o, etag: row.etag }) : client.createEntity(entity, o)), raced);
      if (out !== lost) return next;
    }
  }
}

/** `promise`, or the signal's reason as soon as it aborts (the SDK may answer an abort late). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(signal.reason as Error);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e as Error);
      },
    );
  });
}
