// A local HTTPS stand-in for the Key Vault secrets REST API, for the real @azure/keyvault-secrets client.
import https from 'node:https';
import type http from 'node:http';
import net from 'node:net';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/identity';
import type { SecretClientOptions } from '@azure/keyvault-secrets';
import { registerSecret } from './secrets.js';

// REST shapes from learn.microsoft.com/rest/api/keyvault/secrets (SecretBundle, SecretItem, KeyVaultError) and the
// challenge from learn.microsoft.com/azure/key-vault/general/authentication-requests-and-responses.

const run = promisify(execFile);

export interface StoredVersion {
  version: string;
  value: string;
  contentType?: string;
  enabled: boolean;
  created: number;
  exp?: number;
  nbf?: number;
  tags?: Record<string, string>;
}

export interface RequestRecord {
  method: string;
  path: string;
  apiVersion: string | null;
  authorized: boolean;
  status: number;
}

interface Fault {
  status: number;
  times: number;
  method?: string;
  body?: { code: string; message: string; innererror?: { code: string } };
}

/** Mocks only what cannot be had locally: Microsoft Entra. Hands out one fake access token and records what was asked. */
export class TestCredential implements TokenCredential {
  readonly token = registerSecret(`kv-access-${randomBytes(24).toString('hex')}`, 'Key Vault access token');
  readonly calls: { scopes: string[]; tenantId?: string }[] = [];
  getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken> {
    this.calls.push({ scopes: Array.isArray(scopes) ? scopes : [scopes], tenantId: options?.tenantId });
    return Promise.resolve({ token: this.token, expiresOnTimestamp: Date.now() + 3_600_000 });
  }
}

export const TEST_TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';

export class KeyVaultServer {
  readonly credential = new TestCredential();
  readonly requests: RequestRecord[] = [];
  #secrets = new Map<string, StoredVersion[]>();
  #faults: Fault[] = [];
  #server: https.Server;
  #dir: string;
  readonly ca: string;
  url = '';

  private constructor(server: https.Server, ca: string, dir: string) {
    this.#server = server;
    this.ca = ca;
    this.#dir = dir;
  }

  /** Starts on a free loopback port with a throwaway self-signed certificate made by the openssl CLI. */
  static async start(): Promise<KeyVaultServer> {
    const dir = await mkdtemp(path.join(tmpdir(), 'kv-server-'));
    const key = path.join(dir, 'key.pem');
    const cert = path.join(dir, 'cert.pem');
    await run('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout', key, '-out', cert,
    ]);
    const [keyPem, certPem] = await Promise.all([readFile(key, 'utf8'), readFile(cert, 'utf8')]);
    const server = https.createServer({ key: keyPem, cert: certPem });
    const self = new KeyVaultServer(server, certPem, dir);
    server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
      self.handle(req, res).catch((err: unknown) => {
        res.statusCode = 500;
        res.end(JSON.stringify({ error: { code: 'InternalError', message: String(err) } }));
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    self.url = `https://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    return self;
  }

  secretUri(name: string): string {
    return `${this.url}/secrets/${name}`;
  }

  /** Options for the real SecretClient: trust our CA, accept the loopback challenge resource, retry fast. */
  clientOptions(extra: SecretClientOptions = {}): SecretClientOptions {
    return {
      tlsOptions: { ca: this.ca },
      disableChallengeResourceVerification: true,
      retryOptions: { maxRetries: 2, retryDelayInMs: 5, maxRetryDelayInMs: 20 },
      ...extra,
    };
  }

  /** Seeds a new version directly (what a person in the portal would do). */
  setSecret(name: string, value: string, attrs: Partial<Omit<StoredVersion, 'version' | 'value'>> = {}): StoredVersion {
    const v: StoredVersion = { version: randomBytes(16).toString('hex'), value, enabled: true, created: Math.floor(Date.now() / 1000), ...attrs };
    const list = this.#secrets.get(name) ?? [];
    list.push(v);
    this.#secrets.set(name, list);
    return v;
  }

  versions(name: string): readonly StoredVersion[] {
    return this.#secrets.get(name) ?? [];
  }

  current(name: string): StoredVersion | undefined {
    return this.#secrets.get(name)?.at(-1);
  }

  /** The next `times` authorized requests (optionally only of one method) answer `status`. */
  failNext(status: number, times = 1, method?: string, body?: Fault['body']): void {
    this.#faults.push({ status, times, method, body });
  }

  clearFaults(): void {
    this.#faults = [];
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    await rm(this.#dir, { recursive: true, force: true });
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const url = new URL(req.url ?? '/', this.url);
    const method = req.method ?? 'GET';
    const auth = req.headers.authorization;
    const authorized = auth === `Bearer ${this.credential.token}`;
    const record: RequestRecord = { method, path: url.pathname, apiVersion: url.searchParams.get('api-version'), authorized, status: 0 };
    this.requests.push(record);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      record.status = status;
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'x-ms-keyvault-service-version': '1.9', ...headers });
      res.end(body === undefined ? '' : JSON.stringify(body));
    };
    const error = (status: number, code: string, message: string, inner?: string): void =>
      send(status, { error: { code, message, ...(inner ? { innererror: { code: inner } } : {}) } });

    if (!record.apiVersion) return error(400, 'BadParameter', 'The api-version query parameter is missing.');
    if (!authorized) {
      // Key Vault's challenge: the client learns the authority (tenant) and the resource to ask Entra for.
      return send(401, { error: { code: 'Unauthorized', message: 'AKV10000: Request is missing a Bearer or PoP token.' } }, {
        'www-authenticate': `Bearer authorization="https://login.microsoftonline.com/${TEST_TENANT}", resource="https://vault.azure.net"`,
      });
    }
    const fault = this.#faults.find((f) => f.times > 0 && (f.method === undefined || f.method === method));
    if (fault) {
      fault.times -= 1;
      const body = fault.body ?? defaultFaultBody(fault.status);
      return send(fault.status, { error: body });
    }

    const parts = url.pathname.split('/').filter((p) => p !== '');
    if (parts[0] !== 'secrets' || parts.length < 2 || parts.length > 3) return error(404, 'NotFound', 'No such route.');
    const name = parts[1] ?? '';
    const list = this.#secrets.get(name) ?? [];
    if (method === 'PUT' && parts.length === 2) {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as {
        value?: string; contentType?: string; tags?: Record<string, string>;
        attributes?: { enabled?: boolean; exp?: number; nbf?: number };
      };
      if (typeof body.value !== 'string') return error(400, 'BadParameter', 'Property value is required.');
      const v = this.setSecret(name, body.value, {
        contentType: body.contentType, enabled: body.attributes?.enabled ?? true,
        exp: body.attributes?.exp, nbf: body.attributes?.nbf, tags: body.tags,
      });
      return send(200, this.bundle(name, v));
    }
    if (method !== 'GET') return error(405, 'MethodNotAllowed', `${method} is not supported here.`);
    if (parts[2] === 'versions') {
      return send(200, { value: list.map((v) => this.item(name, v)), nextLink: null });
    }
    const v = parts[2] ? list.find((x) => x.version === parts[2]) : list.at(-1);
    if (!v) return error(404, 'SecretNotFound', `A secret with (name/id) ${name}${parts[2] ? `/${parts[2]}` : ''} was not found in this key vault.`);
    if (!v.enabled) return error(403, 'Forbidden', 'Operation get is not allowed on a disabled secret.', 'SecretDisabled');
    return send(200, this.bundle(name, v));
  }

  private item(name: string, v: StoredVersion): Record<string, unknown> {
    return {
      id: `${this.url}/secrets/${name}/${v.version}`,
      contentType: v.contentType,
      tags: v.tags,
      attributes: {
        enabled: v.enabled, created: v.created, updated: v.created, exp: v.exp, nbf: v.nbf,
        recoveryLevel: 'Recoverable', recoverableDays: 90,
      },
    };
  }

  private bundle(name: string, v: StoredVersion): Record<string, unknown> {
    return { value: v.value, ...this.item(name, v) };
  }
}

function defaultFaultBody(status: number): { code: string; message: string; innererror?: { code: string } } {
  if (status === 403) {
    return {
      code: 'Forbidden',
      message: 'Caller is not authorized to perform action on resource. Action: Microsoft.KeyVault/vaults/secrets/getSecret/action',
      innererror: { code: 'ForbiddenByRbac' },
    };
  }
  if (status === 404) return { code: 'SecretNotFound', message: 'A secret with (name/id) was not found in this key vault.' };
  if (status === 429) return { code: 'Throttled', message: 'Request was not processed because too many requests were received.' };
  return { code: 'InternalServerError', message: 'The service encountered an internal error.' };
}

/** A loopback TCP port that accepts connections and never answers (a vault behind a firewall that drops packets). */
export async function startBlackhole(): Promise<{ url: string; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `https://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
