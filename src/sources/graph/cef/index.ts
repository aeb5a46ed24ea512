// Microsoft Graph security alerts (alerts_v2) as CEF (docs/graph-cef.md): the native mapping for every
// product, and for Defender for Cloud Apps alerts the legacy source's lines (compatibility mode).
// The mappings fill a CefEvent; the shared writer (src/cef) escapes, limits and frames the line.
import { CefEvent, severityMapper, type CefWriter } from '../../../cef/index.js';
import { appTokenizer } from '../../mdca/cef/apps.js';
import type { GraphAlert, GraphRecord } from '../types.js';
import { compatExternalId, mapCompat, MDCA_SERVICE_SOURCE, type CompatMapping } from './compat.js';
import { mapNative, type NativeMapping } from './native.js';
import { assertGraphCefOptions, graphSeverity, type GraphCefOptions } from './options.js';
import { GRAPH_VENDOR, productOf } from './products.js';

export { DEFAULT_GRAPH_CEF_OPTIONS, DEFAULT_GRAPH_SEVERITY_MAP, GRAPH_SEVERITIES, validateGraphCefOptions } from './options.js';
export type { GraphCefOptions, GraphSeverityKey, GraphSeverityMap } from './options.js';
export { PRODUCT_BY_SERVICE_SOURCE, GRAPH_VENDOR } from './products.js';
export { UPDATE_NAME_PREFIX, UPDATE_SIGNATURE_PREFIX } from './native.js';

/** Distinct products whose header override is kept (the known ones are 11). */
const MAX_CACHED_HEADS = 64;

export interface GraphFormatter {
  /** One CEF line (no line break) for a new alert or an update of one, whatever the record holds. */
  format(record: GraphRecord): string;
}

/**
 * Validates `options` (throws RelayError CONFIG_INVALID naming every bad option) and formats on
 * `writer`, whose options give the version, the line format and cap and, in compatibility mode,
 * the legacy vendor, product, severity map and app names.
 */
export function createGraphFormatter(options: GraphCefOptions, writer: CefWriter): GraphFormatter {
  assertGraphCefOptions(options);
  const compat = options.compat;
  const native: NativeMapping = { severity: graphSeverity(options.severityMap) };
  const legacy: CompatMapping = { appToken: appTokenizer(writer.options.appNames), severity: severityMapper(writer.options.severityMap) };
  // One header override per product, built once; bounded, as unknown serviceSource values are the API's to invent.
  const heads = new Map<string, { vendor: string; product: string }>();
  const headOf = (serviceSource: unknown): { vendor: string; product: string } => {
    const product = productOf(serviceSource);
    let head = heads.get(product);
    if (head === undefined) {
      head = { vendor: GRAPH_VENDOR, product };
      if (heads.size < MAX_CACHED_HEADS) heads.set(product, head);
    }
    return head;
  };

  return {
    format(record: GraphRecord): string {
      const r = (typeof record === 'object' && record !== null ? record : {}) as Partial<GraphRecord>;
      const alert = (typeof r.alert === 'object' && r.alert !== null && !Array.isArray(r.alert) ? r.alert : {}) as GraphAlert;
      const kind = r.kind === 'update' ? 'update' : 'new';
      const legacyShape = compat && alert.serviceSource === MDCA_SERVICE_SOURCE;
      const ev = new CefEvent();
      if (legacyShape && kind === 'new') return writer.line(ev, mapCompat(alert, legacy, ev));
      // An update is always a native event (the legacy agent never sent one); it carries the id the
      // alert's own event carried, so a SIEM can match the two.
      const ts = mapNative(alert, kind, native, ev, legacyShape ? compatExternalId(alert) : alert.id);
      return writer.line(ev, ts, headOf(alert.serviceSource));
    },
  };
}
