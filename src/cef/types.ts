// Contract of the CEF stage: a formatter is built once from validated options, then formats records.
import type { CefEvent } from './extension.js';

export type SiemFormat = 'arcsight' | 'generic';

export interface CefOptions {
  /** `arcsight`: `<ISO-8601 UTC ms> [hostname] CEF:...` as the retired agent; `generic`: a syslog header. */
  format: SiemFormat;
  vendor: string; // default MCAS
  product: string; // default SIEM_Agent
  version: string; // the agent version field
  /** arcsight: written after the timestamp when set; generic: the HOSTNAME field (`-`/omitted rules per RFC). */
  hostname?: string;
  /** generic only. */
  syslog: { rfc: '5424' | '3164'; facility: number; severity: number; appName: string };
  /** MDCA severityValue (0 LOW, 1 MEDIUM, 2 HIGH, 3 INFORMATIONAL) → CEF severity 0..10. */
  severityMap: Record<number, number>;
  /** Whole-line cap in UTF-8 bytes (header included); free text is trimmed to fit. */
  maxMessageBytes: number;
  /**
   * Portal base URL (e.g. `https://contoso.portal.cloudappsecurity.com`) for the activity `cs1=portalURL`
   * (`<base>/#/audits?activity.id=eq(<_id>,)`, as the original agent); unset: empty unless the record has `URL`.
   */
  portalUrl?: string;
  /**
   * Multi-tenant relays: the tenant's name, appended to every line (records, heartbeat, test event) as
   * `flexString1Label=tenant flexString1=<name>` (docs/cef.md, Tenant). Unset: lines are unchanged.
   */
  tenant?: string;
  /** Extra or overriding app-name constants: MDCA numeric app id → NAME (rendered `APPID_<NAME>`). */
  appNames?: Record<number, string>;
}

/** A CEF event of the relay's own (heartbeat, test event): signature, name, severity, ordered extension. */
export interface OwnEvent {
  signatureId: string;
  name: string;
  severity: number;
  timestamp: number; // epoch ms
  extension: Array<[key: string, value: string | number | undefined]>;
}

/** The source-independent CEF stage: a source's mapping fills a CefEvent, the writer makes the line. */
export interface CefWriter {
  readonly options: CefOptions;
  /**
   * One line, no trailing newline (framing belongs to the transport): prefix, CEF header, extension,
   * capped at maxMessageBytes. `head` overrides vendor and product for this event (a source may name the product that raised it).
   */
  line(ev: CefEvent, timestamp: number, head?: { vendor?: string; product?: string }): string;
  /** An event of the relay's own (heartbeat, test event). */
  own(event: OwnEvent): string;
}
