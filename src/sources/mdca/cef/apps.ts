// MDCA numeric app ids → the original agent's `APPID_<NAME>` constants (cs2 uniqueServiceAppIds).
//
// Only names seen in Microsoft's published agent output are listed (siem.md samples: BOX,
// SALESFORCE, O365, O365_PORTAL, OUTLOOK, SERVICENOW); the ids come from the microsoft/MCAS
// PowerShell module's `mcas_app` enum (Box 10489, Salesforce 11114, Office_365 11161,
// Microsoft_Exchange_Online 20893, ServiceNow 14509). The id of "Microsoft Office 365 admin center"
// is not public: 25624 is this project's assumption (docs/cef.md). Any other app renders as
// `APPID_<number>`, exactly as the agent did for apps without a constant (`APPID_33626`, Google).
// Users extend or override the table with the `appNames` option.

export const KNOWN_APP_NAMES: Readonly<Record<number, string>> = {
  10489: 'BOX',
  11114: 'SALESFORCE',
  11161: 'O365',
  25624: 'O365_PORTAL',
  20893: 'OUTLOOK',
  14509: 'SERVICENOW',
};

/** Builds the id → token function once (the formatter's app table is fixed at construction). */
export function appTokenizer(extra?: Record<number, string>): (id: unknown) => string {
  const table = new Map<string, string>();
  for (const [id, name] of Object.entries({ ...KNOWN_APP_NAMES, ...(extra ?? {}) })) table.set(id, `APPID_${name}`);
  return (id: unknown): string => {
    const key = typeof id === 'number' ? String(id) : typeof id === 'string' ? id.trim() : String(id);
    return table.get(key) ?? `APPID_${key}`;
  };
}
