// The CEF header's Device Vendor and Device Product for a Graph alert: the product that raised it.
//
// Names are Microsoft's current product names (Microsoft 365 Defender is now Defender XDR; Azure AD
// Identity Protection is Entra ID Protection), without the "Microsoft " the vendor field already says.
// A SIEM keys its parsers on (vendor, product), so the set is closed: a serviceSource Microsoft adds
// later is written as its own identifier when it is one (`[A-Za-z0-9]{1,63}`), else as `unknown`.

export const GRAPH_VENDOR = 'Microsoft';

export const PRODUCT_BY_SERVICE_SOURCE: Readonly<Record<string, string>> = Object.freeze({
  microsoftDefenderForEndpoint: 'Defender for Endpoint',
  microsoftDefenderForIdentity: 'Defender for Identity',
  microsoftDefenderForCloudApps: 'Defender for Cloud Apps',
  microsoftDefenderForOffice365: 'Defender for Office 365',
  microsoft365Defender: 'Defender XDR',
  microsoftAppGovernance: 'App Governance',
  dataLossPrevention: 'Purview Data Loss Prevention',
  microsoftDefenderForCloud: 'Defender for Cloud',
  microsoftSentinel: 'Sentinel',
  microsoftInsiderRiskManagement: 'Purview Insider Risk Management',
  azureAdIdentityProtection: 'Entra ID Protection',
});

/** Device Product for `serviceSource` (any JSON value): at most 63 bytes of `[A-Za-z0-9 ]`, never empty. */
export function productOf(serviceSource: unknown): string {
  if (typeof serviceSource !== 'string') return 'unknown';
  if (Object.prototype.hasOwnProperty.call(PRODUCT_BY_SERVICE_SOURCE, serviceSource)) return PRODUCT_BY_SERVICE_SOURCE[serviceSource]!;
  return /^[A-Za-z0-9]{1,63}$/.test(serviceSource) ? serviceSource : 'unknown';
}
