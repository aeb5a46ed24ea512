// `mdca-siem-relay rotate-token`: new token from stdin -> verified against the API -> new Key Vault version.
import type { Readable } from 'node:stream';
import type { RelayConfig } from '../config/types.js';
import { describeError, RelayError } from '../errors.js';
import { createProbeClient } from '../pipeline/relay.js';
import { readTokenInput, rotateToken, StaticTokenProvider, type RotateTokenOptions } from '../secrets/index.js';

export interface RotateCommandOptions {
  stdin: Readable;
  expiresInDays?: number;
  /** Tests: Key Vault client, credential, loopback vault. */
  keyVault?: Partial<Pick<RotateTokenOptions, 'client' | 'credential' | 'clientOptions' | 'allowLoopbackVault'>>;
  out?: (line: string) => void;
}

/** A one-item alerts request with the candidate token: proves it before anything is written. */
export function verifierFor(config: RelayConfig): (token: string) => Promise<void> {
  return async (token) => {
    await createProbeClient(config, new StaticTokenProvider(token, 'the new token')).list('alerts', { filters: {}, limit: 1 });
  };
}

export async function rotateTokenCommand(config: RelayConfig, options: RotateCommandOptions): Promise<number> {
  const out = options.out ?? ((line: string) => console.log(line));
  if (config.source === 'graph') throw new RelayError('CONFIG_INVALID', 'config', 'RELAY_SOURCE: rotate-token rotates the Defender for Cloud Apps API token; the Graph source has none (store a new client secret version in Key Vault instead: docs/graph.md)');
  const secretUri = config.mdca.auth.mode === 'token' ? config.mdca.auth.secretUri : undefined;
  if (!secretUri) throw new RelayError('CONFIG_INVALID', 'config', 'MDCA_TOKEN_SECRET_URI: is required for rotate-token (the Key Vault secret to write)');
  const newToken = await readTokenInput(options.stdin);
  try {
    const result = await rotateToken({
      secretUri,
      newToken,
      verify: verifierFor(config),
      clientId: config.mdca.auth.mode === 'token' ? undefined : config.mdca.auth.clientId,
      expiresOn: options.expiresInDays ? new Date(Date.now() + options.expiresInDays * 86_400_000) : undefined,
      ...options.keyVault,
    });
    out(`token rotated: ${result.secretName} in ${result.vaultHost} is now version ${result.version ?? '?'} (was ${result.previousVersion ?? 'none'}), expires ${result.expiresOn.toISOString()}`);
    return 0;
  } catch (err) {
    out(`token NOT rotated, the current version is unchanged: ${describeError(err)}`);
    return 1;
  }
}
