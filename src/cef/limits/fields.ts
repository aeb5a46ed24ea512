// Field length limits of the ArcSight CEF dictionary (v25/v26), in UTF-8 bytes after escaping.
// Source: ../shared/reference/cef-and-syslog.md ("Dictionary limits"); Name 512 per the spec's header table.

export const HEADER_LIMITS = {
  vendor: 63,
  product: 63,
  version: 31,
  signatureId: 1023,
  name: 512,
} as const;

/** Per-key limits; keys not listed get DEFAULT_VALUE_LIMIT. */
export const EXTENSION_LIMITS = {
  // Deliberate deviation: the dictionary says 40, but the agent itself wrote MDCA activity ids of
  // 51+ characters (siem.md samples) and SIEM content deduplicates on the whole id.
  externalId: 255,
  msg: 1023,
  suser: 1023,
  duser: 1023,
  act: 63,
  outcome: 63,
  destinationServiceName: 1023,
  requestClientApplication: 1023,
  requestContext: 2048,
  dvchost: 100,
  app: 31,
  proto: 31,
  cs1: 4000,
  cs2: 4000,
  cs3: 4000,
  cs4: 4000,
  cs5: 4000,
  cs6: 4000,
  cs1Label: 1023,
  cs2Label: 1023,
  cs3Label: 1023,
  cs4Label: 1023,
  cs5Label: 1023,
  cs6Label: 1023,
  cn1Label: 1023,
  cn2Label: 1023,
  cn3Label: 1023,
  c6a1Label: 1023,
  c6a2Label: 1023,
  c6a3Label: 1023,
  c6a4Label: 1023,
} as const;

/** The dictionary's usual string size, for keys it does not list. */
export const DEFAULT_VALUE_LIMIT = 1023;

export function extensionLimit(key: string): number {
  return (EXTENSION_LIMITS as Readonly<Record<string, number>>)[key] ?? DEFAULT_VALUE_LIMIT;
}
