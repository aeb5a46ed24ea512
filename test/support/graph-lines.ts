// What the Graph source's end-to-end and fault tests share: the settings that point a relay at the Graph
// simulator, and a tally of received CEF lines by alert (new events and update events counted apart).
import type { GraphAlert } from '../../src/sources/graph/types.js';
import { parseLine } from './cef-parser.js';

/** A relay reading the Graph simulator with a static token: every product, no settle margin (the simulator
 *  lists a change the moment it is made), a budget the simulator is set to allow, no heartbeat. */
export function graphRelaySettings(endpoint: string, token: string, syslogPort: number, extra: Record<string, string> = {}): Record<string, string> {
  return {
    RELAY_SOURCE: 'graph',
    GRAPH_ENDPOINT: endpoint,
    GRAPH_TOKEN: token,
    GRAPH_SERVICE_SOURCES: 'all',
    GRAPH_REQUESTS_PER_MINUTE: '6000',
    GRAPH_SETTLE_MARGIN: 'PT0S',
    SYSLOG_HOST: '127.0.0.1',
    SYSLOG_PORT: String(syslogPort),
    HEARTBEAT_INTERVAL: 'PT0S',
    RELAY_INITIAL_LOOKBACK: 'P1D',
    ...extra,
  };
}

export interface GraphTally {
  /** Alert id -> how many "new alert" events carried it. */
  news: Map<string, number>;
  /** Alert id -> how many update events carried it. */
  updates: Map<string, number>;
  /** externalIds that name no alert of the simulator. */
  unknown: string[];
  /** Events of the relay itself (heartbeat, test event). */
  own: number;
  /** With `fragments: true`: lines that are not whole CEF events (a kill mid-write leaves one). */
  fragments: string[];
}

/**
 * Parses every line strictly (throws on the first that is not CEF with a known prefix, unless `fragments`) and counts events per
 * alert. The externalId is the alert id, or in compatibility mode for Defender for Cloud Apps alerts the
 * providerAlertId (docs/graph-cef.md); update events have a signature starting with `update:`.
 */
export function tallyGraphLines(lines: readonly string[], alerts: readonly GraphAlert[], options: { fragments?: boolean } = {}): GraphTally {
  const byExternalId = new Map<string, string>();
  for (const a of alerts) {
    byExternalId.set(a.id, a.id);
    if (a.providerAlertId) byExternalId.set(a.providerAlertId, a.id);
  }
  const tally: GraphTally = { news: new Map(), updates: new Map(), unknown: [], own: 0, fragments: [] };
  for (const line of lines) {
    let cef: ReturnType<typeof parseLine>;
    try {
      cef = parseLine(line);
      if (cef.extension.externalId === undefined && !cef.signatureId.startsWith('RELAY_')) throw new Error('no externalId');
    } catch (err) {
      if (!options.fragments) throw err;
      tally.fragments.push(line);
      continue;
    }
    if (cef.signatureId.startsWith('RELAY_')) {
      tally.own++;
      continue;
    }
    const externalId = cef.extension.externalId ?? '';
    const id = byExternalId.get(externalId);
    if (id === undefined) {
      tally.unknown.push(externalId);
      continue;
    }
    const into = cef.signatureId.startsWith('update:') ? tally.updates : tally.news;
    into.set(id, (into.get(id) ?? 0) + 1);
  }
  return tally;
}

/** Ids counted more than once. */
export function repeated(counts: Map<string, number>): string[] {
  return [...counts].filter(([, n]) => n > 1).map(([id]) => id);
}
