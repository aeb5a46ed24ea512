// Event Grid trigger: Key Vault says the API token secret is near expiry or expired; warn in the log and the status record.
import { app, type EventGridEvent, type InvocationContext } from '@azure/functions';
import { loadConfig } from '../src/config/load.js';
import { createStore } from '../src/pipeline/relay.js';
import {
  describeTokenExpiry, tokenExpiryNoticeFromEvent, type RecordTokenExpiry, type TokenExpiryNotice,
} from '../src/secrets/expiry-notice.js';

export interface KeyVaultEventHandlerOptions {
  /** Only this secret's events count (from MDCA_TOKEN_SECRET_URI); others are ignored. */
  secretName?: string;
}

/** The handler, built with the status writer injected so a test can call it with an InvocationContext. */
export function createKeyVaultEventHandler(record: RecordTokenExpiry, options: KeyVaultEventHandlerOptions = {}) {
  return async (event: EventGridEvent, context: InvocationContext): Promise<TokenExpiryNotice | undefined> => {
    const notice = tokenExpiryNoticeFromEvent(event);
    if (!notice) {
      context.log(`ignored Key Vault event ${event.eventType}: not about expiry`);
      return undefined;
    }
    if (options.secretName && notice.secretName.toLowerCase() !== options.secretName.toLowerCase()) {
      context.log(`ignored ${event.eventType} for secret "${notice.secretName}": not the API token secret`);
      return undefined;
    }
    context.warn(describeTokenExpiry(notice));
    await record(notice);
    return notice;
  };
}

/** The secret name from MDCA_TOKEN_SECRET_URI, when set (…/secrets/<name>). */
function tokenSecretName(): string | undefined {
  const uri = process.env.MDCA_TOKEN_SECRET_URI;
  return uri ? /\/secrets\/([0-9A-Za-z-]+)/.exec(uri)?.[1] : undefined;
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
  handler: createKeyVaultEventHandler(recordTokenExpiry, { secretName: tokenSecretName() }),
});
