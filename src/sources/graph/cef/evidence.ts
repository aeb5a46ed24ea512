// What a Graph alert's evidence contributes to its CEF event, gathered in one pass.
//
// Rule (docs/graph-cef.md, "Evidence"): the first item of each kind fills the standard CEF keys; every
// further item, and every kind CEF has no key for (registry keys and values, ...), is listed in
// `more` (bounded), so several users, devices or files never silently vanish. Any field may hold any
// JSON value: only strings (and integers where CEF wants one) are used, everything else is absent.
import { preCut } from '../../../cef/escape.js';
import { ipv4, ipv6 } from '../../../cef/ip.js';

/** Evidence items looked at: more than any real alert holds, few enough to bound the work on a hostile one. */
export const MAX_EVIDENCE_SCANNED = 5000;
/** Entries kept in `more`; the rest are counted. */
export const MAX_MORE_ENTRIES = 50;
/** Longest single `more` entry (UTF-16 units), before the key's byte limit applies to the whole list. */
const MAX_ENTRY_UNITS = 512;

export interface UserView {
  /** UPN, else `DOMAIN\account`, else the account name, else the display name. */
  name?: string;
  domain?: string;
  sid?: string;
  aadId?: string;
}

export interface FileView {
  name?: string;
  path?: string;
  /** SHA-256, else SHA-1, else MD5. */
  hash?: string;
  /** SHA-1 when `hash` is the SHA-256. */
  sha1?: string;
  size?: number;
}

export interface EvidenceView {
  user?: UserView;
  device?: { host?: string; id?: string };
  src4?: string;
  src6?: string;
  dst4?: string;
  dst6?: string;
  file?: FileView;
  process?: { name?: string; pid?: number; parentName?: string; parentPid?: number; commandLine?: string };
  url?: string;
  /** Mail recipient (mailbox primary address, else the analysed message's recipient). */
  recipient?: string;
  message?: { subject?: string; networkMessageId?: string; sender?: string };
  /** First cloud application's display name. */
  app?: string;
  /** Distinct cloud application ids (Defender for Cloud Apps app ids), in order. */
  appIds: number[];
  /** Further items and kinds without a CEF key, `kind:value` each. */
  more: string[];
  /** Items left out of `more` by MAX_MORE_ENTRIES or MAX_EVIDENCE_SCANNED. */
  moreDropped: number;
}

type Item = Record<string, unknown>;

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const obj = (v: unknown): Item | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Item) : undefined);
const uint = (v: unknown): number | undefined => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : undefined);

/** `#microsoft.graph.security.userEvidence` → `userEvidence`. */
function kindOf(item: Item): string {
  const t = item['@odata.type'];
  if (typeof t !== 'string') return '';
  return t.slice(t.lastIndexOf('.') + 1);
}

function userOf(account: unknown): UserView | undefined {
  const a = obj(account);
  if (!a) return undefined;
  const account_ = str(a.accountName);
  const domain = str(a.domainName);
  const name = str(a.userPrincipalName) ?? (account_ !== undefined && domain !== undefined ? `${domain}\\${account_}` : account_) ?? str(a.displayName);
  const u: UserView = { name, domain, sid: str(a.userSid), aadId: str(a.azureAdUserId) };
  return u.name ?? u.sid ?? u.aadId ? u : undefined;
}

function fileOf(details: unknown): FileView | undefined {
  const f = obj(details);
  if (!f) return undefined;
  const sha256 = str(f.sha256);
  const sha1 = str(f.sha1);
  const v: FileView = {
    name: str(f.fileName),
    path: str(f.filePath),
    hash: sha256 ?? sha1 ?? str(f.md5),
    sha1: sha256 !== undefined ? sha1 : undefined,
    size: uint(f.fileSize),
  };
  return v.name ?? v.path ?? v.hash ? v : undefined;
}

const DESTINATION_ROLES = new Set(['destination', 'commandAndControl']);

/** Gather `evidence` (any JSON value) into the view the mappings read. */
export function viewEvidence(evidence: unknown): EvidenceView {
  const v: EvidenceView = { appIds: [], more: [], moreDropped: 0 };
  if (!Array.isArray(evidence)) return v;
  const apps = new Set<number>();
  const more = (kind: string, value: string | undefined): void => {
    if (value === undefined) return;
    if (v.more.length < MAX_MORE_ENTRIES) v.more.push(`${kind}:${preCut(value, MAX_ENTRY_UNITS)}`);
    else v.moreDropped++;
  };
  const n = Math.min(evidence.length, MAX_EVIDENCE_SCANNED);
  v.moreDropped += evidence.length - n;
  for (let i = 0; i < n; i++) {
    const item = obj(evidence[i]);
    if (!item) continue;
    switch (kindOf(item)) {
      case 'userEvidence': {
        const u = userOf(item.userAccount);
        if (!u) break;
        if (v.user === undefined) v.user = u;
        else more('user', u.name ?? u.sid ?? u.aadId);
        break;
      }
      case 'deviceEvidence': {
        const host = str(item.deviceDnsName) ?? str(item.hostName);
        const id = str(item.mdeDeviceId) ?? str(item.azureAdDeviceId);
        if (host === undefined && id === undefined) break;
        if (v.device === undefined) v.device = { host, id };
        else more('device', host ?? id);
        break;
      }
      case 'ipEvidence': {
        const addr = item.ipAddress;
        const roles = Array.isArray(item.roles) ? item.roles : [];
        const dst = roles.some((r) => typeof r === 'string' && DESTINATION_ROLES.has(r));
        const a4 = ipv4(addr);
        const a6 = a4 === undefined ? ipv6(addr) : undefined;
        if (dst && a4 !== undefined && v.dst4 === undefined) v.dst4 = a4;
        else if (dst && a6 !== undefined && v.dst6 === undefined) v.dst6 = a6;
        else if (!dst && a4 !== undefined && v.src4 === undefined) v.src4 = a4;
        else if (!dst && a6 !== undefined && v.src6 === undefined) v.src6 = a6;
        else more('ip', str(addr));
        break;
      }
      case 'fileEvidence': {
        const f = fileOf(item.fileDetails);
        if (!f) break;
        if (v.file === undefined) v.file = f;
        else more('file', f.hash ?? f.path ?? f.name);
        break;
      }
      case 'processEvidence': {
        const image = fileOf(item.imageFile);
        const parent = fileOf(item.parentProcessImageFile);
        const p = { name: image?.name, pid: uint(item.processId), parentName: parent?.name, parentPid: uint(item.parentProcessId), commandLine: str(item.processCommandLine) };
        if (v.process === undefined) {
          v.process = p;
          v.user ??= userOf(item.userAccount);
          v.file ??= image;
        } else {
          more('process', p.commandLine ?? p.name);
        }
        break;
      }
      case 'urlEvidence': {
        const url = str(item.url);
        if (v.url === undefined) v.url = url;
        else more('url', url);
        break;
      }
      case 'mailboxEvidence': {
        const addr = str(item.primaryAddress);
        if (v.recipient === undefined) v.recipient = addr;
        else more('mailbox', addr);
        break;
      }
      case 'analyzedMessageEvidence': {
        const sender = obj(item.p1Sender) ?? obj(item.p2Sender);
        const m = { subject: str(item.subject), networkMessageId: str(item.networkMessageId), sender: str(sender?.emailAddress) };
        if (v.message === undefined) {
          v.message = m;
          v.recipient ??= str(item.recipientEmailAddress);
          if (v.src4 === undefined && v.src6 === undefined) {
            v.src4 = ipv4(item.senderIp);
            v.src6 = v.src4 === undefined ? ipv6(item.senderIp) : undefined;
          }
        } else {
          more('message', m.networkMessageId ?? m.subject);
        }
        break;
      }
      case 'cloudApplicationEvidence': {
        const id = uint(item.appId);
        if (id !== undefined && !apps.has(id)) {
          apps.add(id);
          v.appIds.push(id);
        }
        const name = str(item.displayName);
        if (v.app === undefined) v.app = name;
        else more('app', name);
        break;
      }
      case 'registryKeyEvidence':
        more('registryKey', str(item.registryKey) === undefined ? undefined : `${str(item.registryHive) ?? ''}\\${str(item.registryKey)}`);
        break;
      case 'registryValueEvidence':
        more('registryValue', str(item.registryValueName) ?? str(item.registryKey));
        break;
      default: {
        // Kinds without a CEF key (oauthApplicationEvidence, securityGroupEvidence, azureResourceEvidence,
        // kinds Microsoft adds later): listed under their name, by whichever identifying field they have.
        const kind = kindOf(item).replace(/Evidence$/, '');
        if (/^[A-Za-z0-9]{1,64}$/.test(kind)) more(kind, str(item.displayName) ?? str(item.name) ?? str(item.resourceId) ?? str(item.url));
      }
    }
  }
  return v;
}
