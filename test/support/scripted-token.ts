// A token provider for tests: a fixed token under `scheme`, and a refresh that takes the next one from
// `onRefresh` (undefined or the same token: refresh fails). Counts refreshes.
import type { TokenProvider } from '../../src/secrets/types.js';

export function scriptedToken(scheme: 'Token' | 'Bearer', token: string, onRefresh?: () => string | undefined): TokenProvider & { refreshes: number } {
  let current = token;
  const p = {
    refreshes: 0,
    authorization: () => Promise.resolve(`${scheme} ${current}`),
    refresh: () => {
      p.refreshes++;
      const next = onRefresh?.();
      if (next === undefined || next === current) return Promise.resolve(false);
      current = next;
      return Promise.resolve(true);
    },
    secrets: () => [current],
  };
  return p;
}
