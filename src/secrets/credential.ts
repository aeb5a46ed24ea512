// Chooses the Azure identity used for Key Vault and for Microsoft Entra bearer tokens.
import type { TokenCredential } from '@azure/identity';

export interface CredentialOptions {
  /** A user-assigned managed identity's client id (AZURE_CLIENT_ID); system-assigned when absent. */
  clientId?: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * In App Service / Functions (IDENTITY_ENDPOINT set) with no client secret or federated token configured, use the
 * managed identity directly: DefaultAzureCredential would first probe environment, workload identity and developer
 * credentials, which costs time on every cold start and can pick a wrong identity
 * (learn.microsoft.com/azure/developer/javascript/sdk/authentication/credential-chains#use-a-specific-credential).
 * Elsewhere DefaultAzureCredential covers an Entra application (AZURE_CLIENT_ID / AZURE_TENANT_ID /
 * AZURE_CLIENT_SECRET), workload identity, managed identity and developer sign-ins (az login).
 */
export function azureCredential(options: CredentialOptions = {}): TokenCredential {
  // @azure/identity (with MSAL) is the largest module the relay could load: import it on the first
  // token request, not at start-up, so a Function that never needs it never pays for it.
  let real: Promise<TokenCredential> | undefined;
  return {
    getToken: async (scopes, getTokenOptions) => {
      real ??= import('@azure/identity').then((identity) => chooseCredential(identity, options));
      return (await real).getToken(scopes, getTokenOptions);
    },
  };
}

function chooseCredential(identity: typeof import('@azure/identity'), options: CredentialOptions): TokenCredential {
  const { DefaultAzureCredential, ManagedIdentityCredential } = identity;
  const env = options.env ?? process.env;
  const clientId = options.clientId ?? (env.AZURE_CLIENT_ID || undefined);
  const inAppService = Boolean(env.IDENTITY_ENDPOINT || env.MSI_ENDPOINT);
  const appCredentials = Boolean(env.AZURE_CLIENT_SECRET || env.AZURE_CLIENT_CERTIFICATE_PATH || env.AZURE_FEDERATED_TOKEN_FILE);
  if (inAppService && !appCredentials) {
    return clientId ? new ManagedIdentityCredential({ clientId }) : new ManagedIdentityCredential();
  }
  return clientId ? new DefaultAzureCredential({ managedIdentityClientId: clientId }) : new DefaultAzureCredential();
}
