// Options of the Graph alerts CEF mapping: validated once when the formatter is built (style.md:
// validate once, then trust); the per-alert path does no configuration checks.
import { RelayError } from '../../../errors.js';

/** Graph `severity` values the map covers; `unknown` also takes `unknownFutureValue`, missing and unlisted values. */
export const GRAPH_SEVERITIES = ['informational', 'low', 'medium', 'high', 'unknown'] as const;
export type GraphSeverityKey = (typeof GRAPH_SEVERITIES)[number];
export type GraphSeverityMap = Record<GraphSeverityKey, number>;

/**
 * Graph severity → CEF severity 0..10. The same numbers as the legacy source's defaults
 * (src/cef/severity.ts: LOW 3, MEDIUM 6, HIGH 8, INFORMATIONAL 1, missing 3), so an MDCA alert gets
 * the same severity from either source and SIEM rules on severity bands keep matching: 3 is the
 * retired agent's constant (top of CEF "Low"), 6 and 8 the tops of "Medium" (4-6) and "High" (7-8).
 * `unknown` is 3, the agent's value for a missing severity.
 */
export const DEFAULT_GRAPH_SEVERITY_MAP: Readonly<GraphSeverityMap> = Object.freeze({
  informational: 1,
  low: 3,
  medium: 6,
  high: 8,
  unknown: 3,
});

export interface GraphCefOptions {
  /**
   * Setting GRAPH_CEF_COMPAT: Defender for Cloud Apps alerts (serviceSource
   * microsoftDefenderForCloudApps) are written as the legacy source writes them (vendor, product,
   * signature, key order: docs/graph-cef.md, "Compatibility mode"); other products are not affected.
   */
  compat: boolean;
  /** Graph severity → CEF severity (native mapping; compat mode uses the writer's MDCA map, as the legacy source). */
  severityMap: GraphSeverityMap;
}

export const DEFAULT_GRAPH_CEF_OPTIONS: Readonly<GraphCefOptions> = Object.freeze({
  compat: true,
  severityMap: DEFAULT_GRAPH_SEVERITY_MAP,
});

const isSeverity = (v: unknown): boolean => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 10;

/** Every problem with `o`, each starting with the option's name; empty when usable. Pure. */
export function validateGraphCefOptions(o: unknown): string[] {
  if (typeof o !== 'object' || o === null) return ['graph CEF options: must be an object {compat, severityMap}'];
  const c = o as Partial<GraphCefOptions>;
  const problems: string[] = [];
  if (typeof c.compat !== 'boolean') problems.push(`compat: must be true or false (got ${JSON.stringify(c.compat)})`);
  const map = c.severityMap as unknown;
  if (typeof map !== 'object' || map === null) {
    problems.push(`severityMap: must be an object {${GRAPH_SEVERITIES.join(', ')}} of CEF severities 0..10`);
  } else {
    const m = map as Record<string, unknown>;
    for (const k of GRAPH_SEVERITIES) if (!isSeverity(m[k])) problems.push(`severityMap.${k}: CEF severity must be an integer 0..10 (got ${JSON.stringify(m[k])})`);
    for (const k of Object.keys(m)) if (!(GRAPH_SEVERITIES as readonly string[]).includes(k)) problems.push(`severityMap.${k}: not a Graph severity (${GRAPH_SEVERITIES.join(', ')})`);
  }
  return problems;
}

/** Throws RelayError CONFIG_INVALID naming every bad option. */
export function assertGraphCefOptions(o: unknown): asserts o is GraphCefOptions {
  const problems = validateGraphCefOptions(o);
  if (problems.length > 0) throw new RelayError('CONFIG_INVALID', 'config', `Graph CEF options: ${problems.join('; ')}`);
}

/** The function from a record's `severity` (any JSON value) to its CEF severity. */
export function graphSeverity(map: GraphSeverityMap): (v: unknown) => number {
  return (v) => {
    switch (v) {
      case 'informational':
      case 'low':
      case 'medium':
      case 'high':
        return map[v];
      default:
        return map.unknown;
    }
  };
}
