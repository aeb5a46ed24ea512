// Benchmark 'cef': alert formatting throughput on one core, next to a naive formatter measured in the same run.
import { DEFAULT_CEF_OPTIONS } from '../../src/cef/index.js';
import { createFormatter } from '../../src/sources/mdca/cef/index.js';
import type { MdcaAlert } from '../../src/sources/mdca/types.js';
import type { BenchSuite, Figure } from '../types.js';

const SUITE = 'cef';
const TARGET = 200_000;

/** Realistic alerts: the agent's published shapes, with varied users, apps, descriptions and a few IPs and escapes. */
function realisticAlerts(n: number): MdcaAlert[] {
  const apps: Array<[number, string]> = [[10489, 'Box'], [11114, 'Salesforce'], [11161, 'Office 365'], [20893, 'Microsoft Exchange Online'], [33626, 'Google'], [15600, 'Microsoft OneDrive for Business']];
  const out: MdcaAlert[] = [];
  for (let i = 0; i < n; i++) {
    const [appId, appName] = apps[i % apps.length]!;
    const user = `user${i % 997}@contoso.com`;
    const policy = i % 5 === 0 ? `Mass download by a single user (${i % 13})` : `test-activity-policy${i % 7}`;
    const id = (0x596a7e360c204203a335a3fb0n + BigInt(i)).toString(16).slice(-24);
    out.push({
      _id: id,
      timestamp: 1500151350531 + i * 1000,
      title: policy,
      description:
        i % 3 === 0
          ? `Activity policy ''${policy}'' was triggered by ''${user}''`
          : `The user ${user} downloaded 143 files from ${appName} in 2 minutes. Policy: a=b, path C:\\Users\\${user}\\Downloads`,
      severityValue: i % 4,
      threatScore: i % 2 === 0 ? null : i % 100,
      URL: `https://contoso.portal.cloudappsecurity.com/#/alerts/${id}`,
      audits: [`${1500151288183 + i}_acc891bf-33e1-424b-a021-0d4370789660`],
      alertType: 'ALERT_CABINET_EVENT_MATCH_AUDIT',
      entities: [
        ...(i % 2 === 0 ? [{ type: 'policyRule', id: '59f0ab82f797fa0681e9b1c7', label: policy, policyType: 'AUDIT' }] : []),
        { type: 'service', id: appId, label: appName },
        { type: 'user', id: user, label: user },
        { type: 'account', id: user, label: user, inst: 0, saas: appId },
        ...(i % 4 === 1 ? [{ type: 'ip', id: `13.82.${i % 255}.${(i * 7) % 255}` }] : []),
      ],
    });
  }
  return out;
}

/** The naive baseline: string concatenation and one regex replace per field, no limits, no surrogate or control handling. */
function naiveFormat(a: MdcaAlert): string {
  const esc = (s: unknown): string => String(s ?? '').replace(/[\\=\n\r]/g, (c) => (c === '\n' ? '\\n' : c === '\r' ? '\\r' : `\\${c}`));
  const hesc = (s: unknown): string => String(s ?? '').replace(/[\\|]/g, (c) => `\\${c}`);
  const ents = a.entities ?? [];
  const user = ents.find((e) => e.type === 'user')?.label;
  const svc = ents.find((e) => e.type === 'service');
  const pol = ents.filter((e) => e.type === 'policyRule').map((e) => e.id).join(',');
  return (
    new Date(a.timestamp).toISOString() + ' CEF:0|MCAS|SIEM_Agent|0.1.0|' + hesc(a.alertType) + '|' + hesc(a.title) + '|3|' +
    'externalId=' + esc(a._id) + ' start=' + a.timestamp + ' end=' + a.timestamp + ' msg=' + esc(a.description) +
    ' suser=' + esc(user) + ' destinationServiceName=' + esc(svc?.label) + ' cn1Label=riskScore cn1=' + esc(a.threatScore) +
    ' cs1Label=portalURL cs1=' + esc(a.URL) + ' cs2Label=uniqueServiceAppIds cs2=APPID_' + esc(svc?.id) +
    ' cs3Label=relatedAudits cs3=' + esc((a.audits ?? []).join(',')) + ' cs4Label=policyIDs cs4=' + esc(pol)
  );
}

/** Alerts per second over `ms` of wall time, after a warm-up; the sink defeats dead-code elimination. */
function measure(fn: (a: MdcaAlert) => string, alerts: MdcaAlert[], ms: number): number {
  let sink = 0;
  for (let i = 0; i < 50_000; i++) sink += fn(alerts[i % alerts.length]!).length;
  let n = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let i = 0; i < 10_000; i++) sink += fn(alerts[(n + i) % alerts.length]!).length;
    n += 10_000;
    now = performance.now();
  }
  if (sink === 0) throw new Error('no output');
  return (n / (now - start)) * 1000;
}

const suite: BenchSuite = {
  name: SUITE,
  async run(): Promise<Figure[]> {
    const alerts = realisticAlerts(20_000);
    const f = createFormatter({ ...DEFAULT_CEF_OPTIONS });
    const fmt = (a: MdcaAlert): string => f.alert(a);
    // Interleave three rounds each and keep the best, so both see the same machine conditions.
    let ours = 0;
    let naive = 0;
    for (let r = 0; r < 3; r++) {
      ours = Math.max(ours, measure(fmt, alerts, 2000));
      naive = Math.max(naive, measure(naiveFormat, alerts, 2000));
    }
    const generic = createFormatter({ ...DEFAULT_CEF_OPTIONS, format: 'generic', hostname: 'relay-1' });
    const oursGeneric = measure((a) => generic.alert(a), alerts, 2000);
    const avgBytes = alerts.slice(0, 1000).reduce((s, a) => s + Buffer.byteLength(f.alert(a)), 0) / 1000;
    return [
      {
        suite: SUITE,
        name: 'alerts formatted (arcsight, 8 KiB cap)',
        value: ours,
        unit: 'alerts/s',
        baseline: { name: 'naive concat + regex per field', value: naive },
        target: `>= ${TARGET.toLocaleString('en-US')} alerts/s`,
        met: ours >= TARGET,
        note: `one core, ${alerts.length} realistic alerts (avg ${Math.round(avgBytes)} B/line); the naive formatter has no limits, no control/surrogate handling`,
      },
      {
        suite: SUITE,
        name: 'alerts formatted (generic RFC 5424)',
        value: oursGeneric,
        unit: 'alerts/s',
        baseline: { name: 'naive concat + regex per field', value: naive },
        target: `>= ${TARGET.toLocaleString('en-US')} alerts/s`,
        met: oursGeneric >= TARGET,
      },
    ];
  },
};

export default suite;
