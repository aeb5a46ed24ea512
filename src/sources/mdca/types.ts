// Shapes of Defender for Cloud Apps API objects, as documented (api-alerts.md, api-activities.md).
// Only the fields the relay reads are typed; everything else is kept as unknown.

export type DataType = 'alerts' | 'activities';

export interface MdcaEntity {
  type?: string; // account | user | device | service | policyRule | groupTag | file | ip ...
  id?: string | number;
  label?: string;
  entityRole?: string;
  policyType?: string;
  inst?: number;
  saas?: number;
  pa?: string;
  em?: string;
  [key: string]: unknown;
}

export interface MdcaAlert {
  _id: string;
  timestamp: number; // epoch ms
  title?: string;
  description?: string;
  isMarkdown?: boolean;
  statusValue?: number;
  severityValue?: number; // 0 LOW, 1 MEDIUM, 2 HIGH, 3 INFORMATIONAL
  resolutionStatusValue?: number;
  stories?: number[];
  intent?: number[];
  threatScore?: number | null;
  URL?: string;
  entities?: MdcaEntity[];
  audits?: string[];
  policy?: { id?: string; label?: string; policyType?: string; type?: string };
  alertType?: string; // signature id used by the original agent (e.g. ALERT_CABINET_EVENT_MATCH_AUDIT)
  [key: string]: unknown;
}

export interface MdcaActivity {
  _id: string;
  timestamp: number; // epoch ms, when it happened
  created?: number; // epoch ms, when MDCA stored it
  appId?: number;
  appName?: string;
  eventType?: string;
  eventTypeValue?: string;
  eventTypeName?: string; // EVENT_CATEGORY_*
  description?: string;
  device?: { clientIP?: string; userAgent?: string; countryCode?: string };
  user?: { userName?: string; userTags?: string[] };
  mainInfo?: {
    eventObjects?: Array<{ name?: string; id?: string; objType?: number; role?: number; [k: string]: unknown }>;
    rawOperationName?: string;
    prettyOperationName?: string;
  };
  internals?: { otherIPs?: string[] };
  [key: string]: unknown;
}

export type MdcaRecord = MdcaAlert | MdcaActivity;

/** One page of a list answer: `{data, hasNext, max, total, moreThanTotal}`. */
export interface MdcaPage<T> {
  data: T[];
  hasNext: boolean;
  max?: number;
  total?: number;
  moreThanTotal?: boolean;
}
