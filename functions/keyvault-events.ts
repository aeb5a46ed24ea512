// Event Grid trigger: Key Vault says a secret the relay reads is near expiry or expired (the API token, or the Graph
// application's client secret or certificate); warn in the log and the status record.
import { app, type EventGridEvent, type InvocationContext } from '@azure/functions';
import { loadConfig } from '../src/config/load.js';
import { createStore } from '../src/pipeline/relay.js';
import {
  describeTokenExpiry, tokenExpiryNoticeFromEvent, type RecordTokenExpiry, type TokenExpiryNotice, type WatchedSetting,
} from '../src/secrets/expiry-notice.js';
import { parseSecretUri } from '../src/secrets/keyvault-uri.js';

/** A secret the relay reads: its name, its vault (when known) and the setting that names it. */
export interface WatchedSecret {
  name: string;
  vaultName?: string;
  setting: WatchedSetting;
}

export interface KeyVaultEventHandlerOptions {
  /** Only these secrets' events count (from the *_URI settings); others are ignored. None: every secret's, as the API token. */
  secrets?: WatchedSecret[];
}

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/**
 * Which watched secret a notice is about. A Certificate* event counts only for GRAPH_CLIENT_CERTIFICATE_URI (the
 * certificate's own secret has its name); a Secret* event for any watched secret of that name in that vault.
 */
function watchedFor(notice: TokenExpiryNotice, secrets: WatchedSecret[]): WatchedSecret | undefined {
  return secrets.find(
    (s) =>
      same(s.name, notice.secretName) &&
      (s.vaultName === undefined || notice.vaultName === undefined || same(s.vaultName, notice.vaultName)) &&
      (notice.objectType === 'secret' || s.setting === 'GRAPH_CLIENT_CERTIFICATE_URI'),
  );
}

/** The handler, built with the status writer injected so a test can call it with an InvocationContext. */
export function createKeyVaultEventHandler(record: RecordTokenExpiry, options: KeyVaultEventHandlerOptions = {}) {
  const secrets = options.secrets ?? [];
  return async (event: EventGridEvent, context: InvocationContext): Promise<TokenExpiryNotice | undefined> => {
    const found = tokenExpiryNoticeFromEvent(event);
    if (!found) {
      context.log(`ignored Key Vault event ${event.eventType}: not about expiry`);
      return undefined;
    }
    let notice = found;
    if (secrets.length > 0) {
      const watched = watchedFor(found, secrets);
      if (!watched) {
        context.log(`ignored ${event.eventType} for ${found.objectType} "${found.secretName}": not a secret the relay reads (${[...new Set(secrets.map((s) => s.setting))].join(', ')})`);
        return undefined;
      }
      notice = { ...found, setting: watched.setting };
    } else if (found.objectType === 'certificate') {
      // Nothing watched: the legacy behaviour (any secret is the API token); a certificate is never that.
      context.log(`ignored ${event.eventType} for certificate "${found.secretName}": no GRAPH_CLIENT_CERTIFICATE_URI`);
      return undefined;
    }
    context.warn(describeTokenExpiry(notice));
    await record(notice);
    return notice;
  };
}

const WATCHED_SETTINGS: readonly WatchedSetting[] = ['MDCA_TOKEN_SECRET_URI', 'GRAPH_CLIENT_SECRET_URI', 'GRAPH_CLIENT_CERTIFICATE_URI'];

/** The secrets named by the *_URI settings that are set; a URI the relay would refuse at start is left out. */
export function watchedSecrets(env: Record<string, string | undefined>): WatchedSecret[] {
  const out: WatchedSecret[] = [];
  for (const setting of WATCHED_SETTINGS) {
    const uri = env[setting];
    if (!uri) continue;
    try {
      const where = parseSecretUri(uri, { setting });
      out.push({ name: where.secretName, vaultName: where.vaultHost.split('.')[0], setting });
    } catch {
      // loadConfig names this setting when the relay starts; here it only means no event matches it.
    }
  }
  return out;
}

/** Puts the notice into the relay's status record (kept to the last 20 warnings). */
const recordTokenExpiry: RecordTokenExpiry = async (notice) => {
  const config = loadConfig(process.env, 'function');
  await createStore(config).updateStatus((s) => ({
    ...(s ?? { relayName: config.relayName, createdAt: Date.now() }),
    warnings: [...(s?.warnings ?? []).slice(-19), { at: Date.now(), message: describeTokenExpiry(notice) }],
  }));
};

app.eventGrid('keyVaultTokenExpiry', {
  handler: createKeyVaultEventHandler(recordTokenExpiry, { secrets: watchedSecrets(process.env) }),
});
