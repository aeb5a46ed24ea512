// Graph alert → CEF event, the native mapping for every product (docs/graph-cef.md, "Native mapping").
//
// Key choice: a CEF dictionary key where its meaning fits (ArcSight CEF spec; Microsoft's own
// Defender ATP → ArcSight mapping is the precedent for shost, fname, filePath, fileHash, request,
// sourceServiceName and cat); labelled custom keys (csN, flexString2, deviceCustomDateN) for the
// alert's triage and correlation fields SIEM rules need; the spec's custom-extension form
// `MicrosoftGraph<Name>` for the rest. flexString1 is left free: the CEF core appends the tenant there.
import { CefEvent, asText } from '../../../cef/extension.js';
import { epochText } from '../../../cef/header/time.js';
import { EXTENSION_LIMITS as L, DEFAULT_VALUE_LIMIT } from '../../../cef/limits/fields.js';
import type { GraphAlert } from '../types.js';
import { viewEvidence } from './evidence.js';
import { graphMs } from './time.js';

export interface NativeMapping {
  severity: (v: unknown) => number;
}

/** Prefix of an update event's signature; its name starts with UPDATE_NAME_PREFIX. */
export const UPDATE_SIGNATURE_PREFIX = 'update:';
export const UPDATE_NAME_PREFIX = 'Alert updated: ';
/** Signature when an alert has neither detectorId nor category. */
export const FALLBACK_SIGNATURE = 'alert';
/** MITRE technique ids kept (far above any real alert). */
const MAX_TECHNIQUES = 200;
/** Custom lists (techniques, further evidence) get the custom strings' 4000-byte limit. */
const LIST_LIMIT = L.cs1;

const nonEmpty = (v: unknown): string | undefined => {
  const t = asText(v);
  return t === '' ? undefined : t;
};

/** Stable per detection logic: detectorId (providerAlertId is per alert), else the category. */
export function signatureOf(a: GraphAlert): string {
  return nonEmpty(a.detectorId) ?? nonEmpty(a.category) ?? FALLBACK_SIGNATURE;
}

/** The newest comment's text (Graph appends comments), or undefined. */
export function lastComment(comments: unknown): string | undefined {
  if (!Array.isArray(comments)) return undefined;
  for (let i = comments.length - 1; i >= 0; i--) {
    const c = comments[i] as { comment?: unknown } | null;
    if (typeof c === 'object' && c !== null && typeof c.comment === 'string') return c.comment;
  }
  return undefined;
}

function techniques(v: unknown): string {
  if (!Array.isArray(v)) return '';
  const out: string[] = [];
  for (let i = 0; i < v.length && out.length < MAX_TECHNIQUES; i++) if (typeof v[i] === 'string' && v[i] !== '') out.push(v[i] as string);
  return out.join(',');
}

/** `text` only when there is a value: evidence and optional keys are left out when the alert has none. */
function optional(ev: CefEvent, keyEq: string, v: unknown, limit = DEFAULT_VALUE_LIMIT): void {
  if (typeof v === 'string' ? v !== '' : typeof v === 'number' && Number.isFinite(v)) ev.text(keyEq, v, limit);
}

function optionalInt(ev: CefEvent, keyEq: string, v: number | undefined): void {
  if (v !== undefined) ev.fixed(keyEq, String(v));
}

/** Fill `ev` from `a` (a new alert, or an update of one already sent); returns the header time (epoch ms). */
export function mapNative(a: GraphAlert, kind: 'new' | 'update', m: NativeMapping, ev: CefEvent, externalId: unknown): number {
  const signature = signatureOf(a);
  const title = asText(a.title);
  if (kind === 'update') ev.setHeader(UPDATE_SIGNATURE_PREFIX + signature, UPDATE_NAME_PREFIX + title, m.severity(a.severity));
  else ev.setHeader(signature, title, m.severity(a.severity));

  const created = graphMs(a.createdDateTime);
  const updated = graphMs(a.lastUpdateDateTime);
  const rt = kind === 'update' && !Number.isNaN(updated) ? updated : created;
  const first = graphMs(a.firstActivityDateTime);
  const start = Number.isNaN(first) ? created : first;
  const last = graphMs(a.lastActivityDateTime);
  const end = Number.isNaN(last) ? start : last;

  // Always emitted, in this order: the alert and its triage state.
  ev.text('externalId=', externalId, L.externalId);
  ev.fixed('rt=', epochText(rt));
  ev.fixed('start=', epochText(start));
  ev.fixed('end=', epochText(end));
  ev.text('msg=', a.description, L.msg);
  ev.text('cat=', a.category, DEFAULT_VALUE_LIMIT);
  ev.text('deviceExternalId=', a.tenantId, DEFAULT_VALUE_LIMIT);
  ev.text('deviceFacility=', a.serviceSource, DEFAULT_VALUE_LIMIT);
  ev.text('sourceServiceName=', a.detectionSource, DEFAULT_VALUE_LIMIT);
  ev.fixed('cs1Label=', 'incidentId');
  ev.text('cs1=', a.incidentId, L.cs1);
  ev.fixed('cs2Label=', 'status');
  ev.text('cs2=', a.status, L.cs2);
  ev.fixed('cs3Label=', 'classification');
  ev.text('cs3=', a.classification, L.cs3);
  ev.fixed('cs4Label=', 'determination');
  ev.text('cs4=', a.determination, L.cs4);
  ev.fixed('cs5Label=', 'assignedTo');
  ev.text('cs5=', a.assignedTo, L.cs5);
  ev.fixed('cs6Label=', 'mitreTechniques');
  ev.text('cs6=', techniques(a.mitreTechniques), L.cs6);
  ev.fixed('flexString2Label=', 'alertWebUrl');
  ev.text('flexString2=', a.alertWebUrl, DEFAULT_VALUE_LIMIT);
  ev.fixed('deviceCustomDate1Label=', 'resolvedDateTime');
  ev.fixed('deviceCustomDate1=', epochText(graphMs(a.resolvedDateTime)));
  ev.fixed('deviceCustomDate2Label=', 'lastUpdateDateTime');
  ev.fixed('deviceCustomDate2=', epochText(updated));

  // Only when the alert has them.
  optional(ev, 'reason=', lastComment(a.comments));
  optional(ev, 'MicrosoftGraphIncidentWebUrl=', a.incidentWebUrl);
  optional(ev, 'MicrosoftGraphProviderAlertId=', a.providerAlertId);
  optional(ev, 'MicrosoftGraphThreatName=', a.threatDisplayName);
  optional(ev, 'MicrosoftGraphThreatFamily=', a.threatFamilyName);
  optional(ev, 'MicrosoftGraphActor=', a.actorDisplayName);

  const v = viewEvidence(a.evidence);
  optional(ev, 'suser=', v.user?.name, L.suser);
  optional(ev, 'suid=', v.user?.sid);
  optional(ev, 'sntdom=', v.user?.domain);
  optional(ev, 'MicrosoftGraphAadUserId=', v.user?.aadId);
  optional(ev, 'shost=', v.device?.host);
  optional(ev, 'MicrosoftGraphDeviceId=', v.device?.id);
  if (v.src4 !== undefined) ev.fixed('src=', v.src4);
  if (v.dst4 !== undefined) ev.fixed('dst=', v.dst4);
  if (v.src6 !== undefined) {
    ev.fixed('c6a2Label=', 'Source IPv6 Address');
    ev.fixed('c6a2=', v.src6);
  }
  if (v.dst6 !== undefined) {
    ev.fixed('c6a3Label=', 'Destination IPv6 Address');
    ev.fixed('c6a3=', v.dst6);
  }
  optional(ev, 'fname=', v.file?.name);
  optional(ev, 'filePath=', v.file?.path);
  optional(ev, 'fileHash=', v.file?.hash);
  optional(ev, 'MicrosoftGraphFileSha1=', v.file?.sha1);
  optionalInt(ev, 'fsize=', v.file?.size);
  optional(ev, 'sproc=', v.process?.parentName);
  optionalInt(ev, 'spid=', v.process?.parentPid);
  optional(ev, 'dproc=', v.process?.name);
  optionalInt(ev, 'dpid=', v.process?.pid);
  optional(ev, 'MicrosoftGraphCommandLine=', v.process?.commandLine);
  optional(ev, 'request=', v.url);
  optional(ev, 'duser=', v.recipient, L.duser);
  optional(ev, 'MicrosoftGraphEmailSender=', v.message?.sender);
  optional(ev, 'MicrosoftGraphEmailSubject=', v.message?.subject);
  optional(ev, 'MicrosoftGraphNetworkMessageId=', v.message?.networkMessageId);
  optional(ev, 'destinationServiceName=', v.app, L.destinationServiceName);
  // Further evidence: the list (bounded) and, never trimmed, how many items it should hold.
  if (v.more.length > 0 || v.moreDropped > 0) {
    ev.text('MicrosoftGraphMoreEvidence=', v.more.join('; '), LIST_LIMIT);
    ev.fixed('MicrosoftGraphMoreEvidenceCount=', String(v.more.length + v.moreDropped));
  }
  return rt;
}
