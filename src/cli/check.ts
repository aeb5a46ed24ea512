// `mdca-siem-relay check`: walks every dependency in order and prints one PASS/FAIL line per step,
// with the fix for each failure. Exit code 0 only when every step passed.
import net from 'node:net';
import tls from 'node:tls';
import { loadConfig, type RawSettings } from '../config/load.js';
import type { RelayConfig } from '../config/types.js';
import { describeError, isRelayError, RelayError, type ErrorCode } from '../errors.js';
import { createRelay, type Relay } from '../pipeline/relay.js';
import { TEST_EVENT_SIGNATURE } from '../pipeline/heartbeat.js';
import { redactCredentials } from '../secrets/index.js';
import { describeSource, probeSource } from '../sources/index.js';

const FIXES: Partial<Record<ErrorCode, string>> = {
  TOKEN_REJECTED: 'the API rejected the token: generate a new one in the portal (Settings > Cloud Apps > API tokens) and store it (MDCA_TOKEN or `rotate-token`)',
  PERMISSION_DENIED: 'the token works but lacks permission: the admin who issued it may have been removed or lacks a security role; issue a token as a Security Administrator',
  INVALID_PROXY: 'the proxy cannot be reached: check MDCA_PROXY / --proxy (ADDRESS[:PORT]) and that the proxy allows CONNECT to the portal on 443',
  API_UNAVAILABLE: 'the API did not answer: check MDCA_PORTAL_URL (Settings > Cloud Apps > System > About), DNS and outbound HTTPS 443 (or the proxy)',
  API_TIMEOUT: 'the API did not answer in time: check network egress to the portal, or raise MDCA_REQUEST_TIMEOUT',
  API_BAD_RESPONSE: 'the answer was not the API: MDCA_PORTAL_URL must be the API URL from Settings > About, not a sign-in page; a proxy may be rewriting answers',
  SECRET_UNAVAILABLE: 'Key Vault did not give the secret: grant the app identity "Key Vault Secrets User" on the vault, check the vault firewall / private endpoint and MDCA_TOKEN_SECRET_URI',
  SECRET_REFERENCE_UNRESOLVED: 'the Key Vault reference did not resolve: grant the identity "Key Vault Secrets User", check the vault network rules, or use MDCA_TOKEN_SECRET_URI',
  CHECKPOINT_UNAVAILABLE: 'the checkpoint store cannot be used: check RELAY_STATE_DIR permissions, or the storage account / AzureWebJobsStorage and the identity\'s "Storage Table Data Contributor" role',
  SYSLOG_UNREACHABLE: 'the syslog host did not accept a connection: check SYSLOG_HOST/SYSLOG_PORT/SYSLOG_PROTOCOL, that the receiver listens, and NSGs / routes on the VNet integration subnet',
  SYSLOG_SEND_FAILED: 'the syslog host accepted but did not take the event: check the receiver\'s framing (SYSLOG_FRAMING), TLS settings and size limits',
};

// The same codes from the Graph source mean other fixes (docs/graph.md).
const GRAPH_FIXES: Partial<Record<ErrorCode, string>> = {
  PERMISSION_DENIED: 'grant the identity the Microsoft Graph application permission SecurityAlert.Read.All: for a managed identity an appRoleAssignment on the Microsoft Graph service principal (az rest or Graph PowerShell, docs/graph.md "Granting access"); for an app registration, API permissions > Microsoft Graph > Application > SecurityAlert.Read.All, then "Grant admin consent"',
  TOKEN_REJECTED: 'Microsoft Graph rejected the token: it must be an app-only token for GRAPH_ENDPOINT\'s cloud (audience <endpoint>, e.g. https://graph.microsoft.com) from the tenant that holds the alerts; check GRAPH_TENANT_ID / GRAPH_CLIENT_ID, or renew GRAPH_TOKEN',
  INVALID_PROXY: 'the proxy cannot be reached: check MDCA_PROXY / --proxy (ADDRESS[:PORT]) and that the proxy allows CONNECT to the Graph endpoint and to the Entra authority on 443',
  API_UNAVAILABLE: 'Microsoft Graph did not answer: check GRAPH_ENDPOINT, DNS and outbound HTTPS 443 (or the proxy)',
  API_TIMEOUT: 'Microsoft Graph did not answer in time: check network egress, or raise GRAPH_REQUEST_TIMEOUT',
  API_BAD_RESPONSE: 'the answer was not Microsoft Graph alerts_v2: check GRAPH_ENDPOINT (the service root, e.g. https://graph.microsoft.com); a proxy may be rewriting answers',
  SECRET_UNAVAILABLE: 'no Graph token: in Azure give the Function a managed identity (AZURE_CLIENT_ID); with an app registration grant the relay\'s identity "Key Vault Secrets User" on the vault and check GRAPH_CLIENT_SECRET_URI / GRAPH_CLIENT_CERTIFICATE_URI, GRAPH_TENANT_ID and GRAPH_CLIENT_ID',
};

export interface CheckResult {
  step: string;
  ok: boolean;
  detail: string;
  fix?: string;
  skipped?: boolean;
}

function fixFor(err: unknown, config?: RelayConfig): string | undefined {
  if (!isRelayError(err)) return undefined;
  return (config?.source === 'graph' ? GRAPH_FIXES[err.code] : undefined) ?? FIXES[err.code];
}

async function probeConnect(config: RelayConfig): Promise<string> {
  const { protocol, hosts, connectTimeoutMs } = config.syslog;
  const results: string[] = [];
  for (const h of hosts) {
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => reject(new RelayError('SYSLOG_UNREACHABLE', 'send', `${h.host}:${h.port}: ${(err as NodeJS.ErrnoException).code ?? err.message}`));
      const socket =
        protocol === 'tls' || protocol === 'relp-tls'
          ? tls.connect({ host: h.host, port: h.port, ca: config.syslog.tls?.ca, cert: config.syslog.tls?.cert, key: config.syslog.tls?.key, servername: config.syslog.tls?.servername ?? (net.isIP(h.host) ? undefined : h.host), minVersion: 'TLSv1.2' }, () => {
              socket.end();
              resolve();
            })
          : net.connect({ host: h.host, port: h.port }, () => {
              socket.end();
              resolve();
            });
      socket.setTimeout(connectTimeoutMs, () => {
        socket.destroy();
        onError(new Error('connect timeout'));
      });
      socket.once('error', onError);
    });
    results.push(`${h.host}:${h.port}`);
  }
  return `${protocol} connection accepted by ${results.join(', ')}`;
}

async function probeProxy(proxy: string, timeoutMs: number): Promise<string> {
  const url = new URL(/^[a-z]+:\/\//i.test(proxy) ? proxy : `http://${proxy}`);
  const port = Number(url.port || 8080);
  await new Promise<void>((resolve, reject) => {
    const s = net.connect({ host: url.hostname, port }, () => {
      s.end();
      resolve();
    });
    s.setTimeout(timeoutMs, () => s.destroy(new Error('timeout')));
    s.once('error', (err: NodeJS.ErrnoException) => reject(new RelayError('INVALID_PROXY', 'fetch', `invalid proxy address ${url.hostname}:${port}: ${err.code ?? err.message}`)));
  });
  return `proxy ${url.hostname}:${port} accepts connections`;
}

export async function checkAll(settings: RawSettings, options: { sendTestEvent: boolean; relay?: Relay }): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  let config: RelayConfig;
  try {
    config = options.relay?.config ?? loadConfig(settings, 'cli');
    results.push({ step: 'configuration', ok: true, detail: `${describeSource(config)} to ${config.syslog.protocol}://${config.syslog.hosts.map((h) => `${h.host}:${h.port}`).join(',')}` });
  } catch (err) {
    results.push({ step: 'configuration', ok: false, detail: describeError(err), fix: 'set each setting named above (docs/configuration.md lists them all)' });
    return results;
  }
  let relay: Relay;
  try {
    relay = options.relay ?? createRelay(config);
  } catch (err) {
    results.push({ step: 'relay parts', ok: false, detail: describeError(err), fix: fixFor(err, config) });
    return results;
  }
  const step = async (name: string, fn: () => Promise<string>) => {
    try {
      results.push({ step: name, ok: true, detail: await fn() });
    } catch (err) {
      results.push({ step: name, ok: false, detail: redactCredentials(describeError(err)), fix: fixFor(err, config) ?? 'see docs/troubleshooting.md' });
    }
  };
  await step(config.source === 'graph' ? 'Graph access and permission' : 'API URL and token', () => probeSource(config, relay.tokens));
  if (config.mdca.proxy) await step('proxy', () => probeProxy(config.mdca.proxy!, config.syslog.connectTimeoutMs));
  else results.push({ step: 'proxy', ok: true, skipped: true, detail: 'none configured (MDCA_PROXY / HTTPS_PROXY)' });
  if (config.source === 'graph') {
    // Graph's secret or certificate is read when the token is asked for: the access step above covered it.
    const auth = config.graph!.auth;
    const detail = auth.mode === 'client-secret' ? `GRAPH_CLIENT_SECRET_URI ${auth.secretUri}: read for the Graph token above` : auth.mode === 'client-certificate' ? `GRAPH_CLIENT_CERTIFICATE_URI ${auth.certificateUri}: read for the Graph token above` : auth.mode === 'token' ? 'token given directly (GRAPH_TOKEN)' : 'managed identity: no secret';
    results.push({ step: 'Key Vault secret', ok: true, skipped: true, detail });
  } else if (config.mdca.auth.mode === 'token' && config.mdca.auth.secretUri) {
    await step('Key Vault secret', async () => {
      await relay.tokens.refresh();
      await relay.tokens.authorization();
      return `read ${config.mdca.auth.mode === 'token' ? config.mdca.auth.secretUri : ''}`;
    });
  } else results.push({ step: 'Key Vault secret', ok: true, skipped: true, detail: config.mdca.auth.mode === 'entra' ? 'Entra authentication: no secret' : 'token given directly (MDCA_TOKEN)' });
  await step('checkpoint store', async () => {
    await relay.store.readStatus();
    await relay.store.updateStatus((s) => s ?? { relayName: config.relayName, createdAt: Date.now() });
    return `${relay.store.description} readable and writable`;
  });
  await step('syslog host', async () => {
    const connected = config.syslog.protocol === 'udp' ? 'udp: no connection to test (best effort)' : await probeConnect(config);
    if (!options.sendTestEvent) return `${connected}; run with --send-test-event to deliver a marked test event`;
    const now = Date.now();
    const line = relay.writer.own({ signatureId: TEST_EVENT_SIGNATURE, name: 'mdca-siem-relay test event', severity: 0, timestamp: now, extension: [['rt', now], ['dvchost', config.relayName], ['msg', 'Test event from mdca-siem-relay check: safe to ignore']] });
    const report = await relay.sender.deliver([line]);
    return `${connected}; test event ${report.confirmed ? 'delivered and confirmed' : 'sent (udp: unconfirmed)'} to ${report.host.host}:${report.host.port}`;
  });
  await relay.close().catch(() => undefined);
  return results;
}

export async function runChecks(settings: RawSettings, options: { sendTestEvent: boolean; out: NodeJS.WritableStream; relay?: Relay }): Promise<number> {
  const results = await checkAll(settings, options);
  for (const r of results) {
    options.out.write(`${r.skipped ? 'SKIP' : r.ok ? 'PASS' : 'FAIL'}  ${r.step}: ${r.detail}\n`);
    if (!r.ok && r.fix) options.out.write(`      fix: ${r.fix}\n`);
  }
  const failed = results.filter((r) => !r.ok);
  options.out.write(failed.length ? `${failed.length} check${failed.length > 1 ? 's' : ''} failed\n` : 'all checks passed\n');
  return failed.length ? 1 : 0;
}
