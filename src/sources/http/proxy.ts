// Which forward proxy a request goes through: `--proxy ADDRESS[:PORT]` (the retired agent's flag)
// first, else HTTPS_PROXY / HTTP_PROXY unless NO_PROXY exempts the host (curl's conventions).
// The proxy URL may carry credentials; they never appear in a message.
import { RelayError } from '../../errors.js';

/** The retired agent documented `ADDRESS[:PORT]` without a default port; 8080 is the common proxy port. */
export const DEFAULT_PROXY_PORT = 8080;

/** Parses `host`, `host:port`, `[v6]:port` or `http(s)://[user:pass@]host[:port]`; throws INVALID_PROXY. */
export function parseProxyAddress(address: string): URL {
  const raw = address.trim();
  const bad = (why: string) =>
    new RelayError('INVALID_PROXY', 'fetch', `invalid proxy address "${redactProxy(raw)}": ${why}`);
  if (raw === '') throw bad('empty');
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw bad('not a host name or address with an optional port');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw bad(`scheme ${url.protocol} is not supported (use http:// or https://)`);
  if (!url.hostname || !/^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)$/i.test(url.hostname)) throw bad('no valid host');
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) throw bad('a proxy address has no path');
  // URL rejects an out-of-range port but takes ":0", which no proxy listens on. A missing port gets the default.
  if (url.port === '0') throw bad('port 0 is not a port');
  if (url.port === '' && !/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) url.port = String(DEFAULT_PROXY_PORT);
  return url;
}

/** `scheme://host:port` of a proxy URL: what may be shown (no user, no password). */
export function redactProxy(address: string): string {
  try {
    const u = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(address) ? address : `http://${address}`);
    return `${u.protocol}//${u.host}`;
  } catch {
    // Unparseable: drop everything up to the last "@", so a password holding "@" or "/" is not shown in part.
    return address.replace(/^([a-z][a-z0-9+.-]*:\/\/)?.*@/is, '$1');
  }
}

/** True when NO_PROXY exempts `url` (entries: `*`, `host`, `.domain`, `domain`, `host:port`). */
export function noProxyMatches(url: URL, noProxy: string | undefined): boolean {
  if (!noProxy) return false;
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return noProxy
    .split(/[,\s]+/)
    .map((e) => e.trim().toLowerCase())
    .filter(Boolean)
    .some((entry) => {
      if (entry === '*') return true;
      const m = /^(.*?)(?::(\d+))?$/.exec(entry)!;
      const h = m[1]!.replace(/^\*?\./, '').replace(/^\[|\]$/g, '');
      if (m[2] && m[2] !== port) return false;
      return host === h || host.endsWith(`.${h}`);
    });
}

/** The proxy for a request to `target`, or undefined for a direct connection. */
export function proxyFor(target: URL, explicit: string | undefined, env: Record<string, string | undefined>): URL | undefined {
  if (explicit !== undefined && explicit.trim() !== '') return parseProxyAddress(explicit);
  const fromEnv =
    target.protocol === 'https:' ? (env.HTTPS_PROXY ?? env.https_proxy) : (env.HTTP_PROXY ?? env.http_proxy);
  if (!fromEnv) return undefined;
  if (noProxyMatches(target, env.NO_PROXY ?? env.no_proxy)) return undefined;
  return parseProxyAddress(fromEnv);
}
