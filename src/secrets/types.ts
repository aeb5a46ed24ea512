// Contract of the credential stage: where the API's Authorization header comes from.
export interface TokenProvider {
  /** The full header value: `Token <api token>` or `Bearer <jwt>`. Never logged. */
  authorization(): Promise<string>;
  /** Called after a 401: drop any cache and re-read once. True when a different credential is now in use. */
  refresh(): Promise<boolean>;
  /** Values that must never appear in logs, errors or status (for redaction). */
  secrets(): readonly string[];
}
