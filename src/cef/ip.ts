// IP addresses for `src`/`dvc` (IPv4) and `c6a1` (IPv6): only well-formed addresses are written.
import net from 'node:net';

/** The address if `v` is a syntactically valid IPv4 address, else undefined. */
export function ipv4(v: unknown): string | undefined {
  return typeof v === 'string' && net.isIPv4(v) ? v : undefined;
}

/** The address if `v` is a syntactically valid IPv6 address (no zone id), else undefined. */
export function ipv6(v: unknown): string | undefined {
  return typeof v === 'string' && !v.includes('%') && net.isIPv6(v) ? v : undefined;
}
