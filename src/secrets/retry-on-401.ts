// One request with the current credential; on a 401, re-read the credential once and, if it changed, resend.
import type { TokenProvider } from './types.js';

/**
 * A token rotated in Key Vault is in use on the very request that found the old one rejected: the 401 triggers
 * `provider.refresh()`, and only when that yields a different credential is the request sent again (once). A 401
 * with no new credential is returned as is, for the caller to report "token rejected" without blind retries.
 */
export async function sendWithFreshTokenOn401<T extends { status: number }>(
  provider: TokenProvider,
  send: (authorization: string) => Promise<T>,
): Promise<T> {
  const first = await send(await provider.authorization());
  if (first.status !== 401) return first;
  const changed = await provider.refresh();
  if (!changed) return first;
  return send(await provider.authorization());
}
