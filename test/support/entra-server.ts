// A local HTTPS stand-in for the Microsoft Entra v2.0 token endpoint (client credentials grant), for the real
// @azure/identity ClientSecretCredential / ClientCertificateCredential (authorityHost pointed here).
// Shapes: learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow (request, response,
// error body with AADSTS codes) and the OpenID configuration document MSAL reads before the first token.
import { execFile } from 'node:child_process';
import { createHash, createPublicKey, randomBytes, verify, constants, X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { registerSecret } from './secrets.js';

const run = promisify(execFile);

export interface EntraApp {
  tenantId: string;
  clientId: string;
  /** Accepted client secrets (several during a rotation's overlap). */
  secrets: string[];
  /** PEM certificate whose key may sign client assertions. */
  certificate?: string;
}

export interface TokenRequestRecord {
  tenantId: string;
  clientId: string;
  scope: string;
  /** How the client proved itself. */
  by: 'secret' | 'assertion' | 'none';
  status: number;
  error?: string;
}

export interface IssuedToken {
  token: string;
  clientId: string;
  scope: string;
}

/** A self-signed RSA certificate and its key (Entra takes RSA application certificates). */
export async function rsaCertificate(cn = 'mdca-siem-relay graph app'): Promise<{ cert: string; key: string; pem: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'entra-app-cert-'));
  try {
    await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', `/CN=${cn}`, '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')]);
    const [key, cert] = await Promise.all([readFile(path.join(dir, 'key.pem'), 'utf8'), readFile(path.join(dir, 'cert.pem'), 'utf8')]);
    registerSecret(key.trim(), 'application certificate key');
    return { cert, key, pem: `${key.trim()}\n${cert.trim()}\n` };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export class EntraServer {
  readonly requests: TokenRequestRecord[] = [];
  readonly issued: IssuedToken[] = [];
  readonly ca: string;
  url = '';
  /** Lifetime of issued tokens (seconds). */
  expiresIn = 3599;
  /** The access token to issue for a client (default: a fresh JWT-shaped one); a resource server's test token. */
  tokenFor: ((clientId: string) => string) | undefined;
  #apps = new Map<string, EntraApp>();
  #server: https.Server;

  private constructor(server: https.Server, ca: string) {
    this.#server = server;
    this.ca = ca;
  }

  static async start(): Promise<EntraServer> {
    const dir = await mkdtemp(path.join(tmpdir(), 'entra-server-'));
    let keyPem: string;
    let certPem: string;
    try {
      await run('openssl', [
        'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
        '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
        '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'),
      ]);
      [keyPem, certPem] = await Promise.all([readFile(path.join(dir, 'key.pem'), 'utf8'), readFile(path.join(dir, 'cert.pem'), 'utf8')]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const server = https.createServer({ key: keyPem, cert: certPem });
    const self = new EntraServer(server, certPem);
    server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
      self.#handle(req, res).catch((err: unknown) => {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: 'server_error', error_description: String(err) }));
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    self.url = `https://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    return self;
  }

  /** Registers an application (or replaces its credentials: a rotation that removes the old secret). */
  register(app: EntraApp): void {
    this.#apps.set(`${app.tenantId}/${app.clientId}`, { ...app, secrets: [...app.secrets] });
  }

  /** Who holds a token this server issued (for a resource server checking the bearer). */
  holder(token: string): IssuedToken | undefined {
    return this.issued.find((t) => t.token === token);
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const url = new URL(req.url ?? '/', this.url);
    const parts = url.pathname.split('/').filter(Boolean);
    const tenantId = parts[0] ?? '';
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
      res.end(JSON.stringify(body));
    };
    const base = `${this.url}/${tenantId}`;
    if (req.method === 'GET' && parts.slice(1).join('/') === 'v2.0/.well-known/openid-configuration') {
      return json(200, {
        token_endpoint: `${base}/oauth2/v2.0/token`,
        token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
        jwks_uri: `${base}/discovery/v2.0/keys`,
        response_modes_supported: ['query', 'fragment', 'form_post'],
        subject_types_supported: ['pairwise'],
        id_token_signing_alg_values_supported: ['RS256'],
        response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
        scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
        issuer: `${base}/v2.0`,
        request_uri_parameter_supported: false,
        userinfo_endpoint: `${this.url}/oidc/userinfo`,
        authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
        device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
        http_logout_supported: true,
        frontchannel_logout_supported: true,
        end_session_endpoint: `${base}/oauth2/v2.0/logout`,
        claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'tid'],
        tenant_region_scope: 'WW',
        cloud_instance_name: 'microsoftonline.com',
        cloud_graph_host_name: 'graph.windows.net',
        msgraph_host: 'graph.microsoft.com',
      });
    }
    if (req.method !== 'POST' || parts.slice(1).join('/') !== 'oauth2/v2.0/token') return json(404, { error: 'not_found', error_description: `no route ${req.method} ${url.pathname}` });

    const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
    const clientId = form.get('client_id') ?? '';
    const scope = form.get('scope') ?? '';
    const record: TokenRequestRecord = { tenantId, clientId, scope, by: form.has('client_secret') ? 'secret' : form.has('client_assertion') ? 'assertion' : 'none', status: 0 };
    this.requests.push(record);
    const fail = (status: number, error: string, code: number, description: string) => {
      record.status = status;
      record.error = `AADSTS${code}`;
      json(status, { error, error_description: `AADSTS${code}: ${description}\r\nTrace ID: ${randomBytes(16).toString('hex')}`, error_codes: [code], timestamp: new Date().toISOString() });
    };
    if (form.get('grant_type') !== 'client_credentials') return fail(400, 'unsupported_grant_type', 70003, 'The app requested an unsupported grant type.');
    const app = this.#apps.get(`${tenantId}/${clientId}`);
    if (!app) return fail(400, 'unauthorized_client', 700016, `Application with identifier '${clientId}' was not found in the directory '${tenantId}'.`);
    if (!/\/\.default$/.test(scope.split(' ')[0] ?? '')) return fail(400, 'invalid_scope', 1002012, 'The provided value for scope is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier.');
    if (record.by === 'secret') {
      if (!app.secrets.includes(form.get('client_secret') ?? '')) return fail(401, 'invalid_client', 7000215, `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`);
    } else if (record.by === 'assertion') {
      const problem = this.#assertionProblem(app, form.get('client_assertion') ?? '', `${base}/oauth2/v2.0/token`);
      if (problem) return fail(401, 'invalid_client', 700027, `Client assertion failed signature validation. ${problem}`);
    } else {
      return fail(401, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
    }
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const token = this.tokenFor?.(clientId) ?? registerSecret(`${b64({ alg: 'RS256', typ: 'JWT' })}.${b64({ aud: scope.replace(/\/\.default$/, ''), tid: tenantId, appid: clientId, n: randomBytes(8).toString('hex') })}.${randomBytes(32).toString('base64url')}`, 'Entra access token (local)');
    this.issued.push({ token, clientId, scope });
    record.status = 200;
    return json(200, { token_type: 'Bearer', expires_in: this.expiresIn, ext_expires_in: this.expiresIn, access_token: token });
  }

  /** Checks a private_key_jwt client assertion: signature by the registered certificate, audience, subject, expiry. */
  #assertionProblem(app: EntraApp, assertion: string, audience: string): string | undefined {
    if (!app.certificate) return 'No certificate is registered for the application.';
    const [h, p, s] = assertion.split('.');
    if (!h || !p || !s) return 'The assertion is not a JWT.';
    const header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as { alg?: string; x5t?: string; 'x5t#S256'?: string };
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as { aud?: string; iss?: string; sub?: string; exp?: number };
    const cert = new X509Certificate(app.certificate);
    const key = createPublicKey(cert.publicKey.export({ format: 'pem', type: 'spki' }));
    const data = Buffer.from(`${h}.${p}`);
    const signature = Buffer.from(s, 'base64url');
    const ok =
      header.alg === 'PS256'
        ? verify('sha256', data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, signature)
        : header.alg === 'RS256' && verify('sha256', data, key, signature);
    if (!ok) return `Signature (${header.alg}) does not verify with the registered certificate.`;
    const thumbprint = createHash(header['x5t#S256'] ? 'sha256' : 'sha1').update(cert.raw).digest('base64url');
    if ((header['x5t#S256'] ?? header.x5t) !== thumbprint) return 'The thumbprint does not match the registered certificate.';
    if (payload.aud !== audience) return `Audience ${payload.aud} is not ${audience}.`;
    if (payload.iss !== app.clientId || payload.sub !== app.clientId) return 'Issuer and subject must be the client id.';
    if (!payload.exp || payload.exp * 1000 < Date.now()) return 'The assertion has expired.';
    return undefined;
  }
}
