// A strict CEF parser written from the ArcSight spec grammar, for tests: it throws on anything malformed.
//
// Grammar (CEF spec "Header" and "Extension", as summarised in cef-and-syslog.md):
//   line      = "CEF:" version "|" hfield "|" hfield "|" hfield "|" hfield "|" hfield "|" severity "|" [extension]
//   hfield    = *( hchar / "\\" / "\|" )          ; hchar: any char but "\" "|" CR LF
//   severity  = 0..10 / Unknown / Low / Medium / High / Very-High
//   extension = pair *( SP pair )                  ; exactly one space between pairs, none leading
//   pair      = key "=" value
//   key       = 1*( ALPHA / DIGIT )
//   value     = *( vchar / "\\" / "\=" / "\n" / "\r" ) ; vchar: any char but "\" "=" CR LF
// A space inside a value ends it only when followed by `key=`. Strict additions (what this project
// promises): no control characters (C0, DEL, C1) and no lone surrogates anywhere, no duplicate keys.

export interface ParsedCef {
  version: number;
  vendor: string;
  product: string;
  deviceVersion: string;
  signatureId: string;
  name: string;
  severity: string;
  extension: Record<string, string>;
  /** Extension keys in order of appearance. */
  keys: string[];
}

export class CefSyntaxError extends Error {
  constructor(message: string, readonly at: number) {
    super(`${message} at offset ${at}`);
    this.name = 'CefSyntaxError';
  }
}

const SEVERITY_WORDS = new Set(['Unknown', 'Low', 'Medium', 'High', 'Very-High']);
const BAD_CHAR = /[\x00-\x1f\x7f-\x9f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function isKeyChar(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

/** Length of a `key=` run starting at `i` (key chars then an `=`), or 0. */
function keyAt(s: string, i: number): number {
  let j = i;
  while (j < s.length && isKeyChar(s.charCodeAt(j))) j++;
  return j > i && s.charCodeAt(j) === 0x3d ? j - i : 0;
}

/** Parse one CEF event (the text from `CEF:` on). Throws CefSyntaxError on any deviation. */
export function parseCef(line: string): ParsedCef {
  const bad = BAD_CHAR.exec(line);
  if (bad) throw new CefSyntaxError(`forbidden character U+${bad[0].charCodeAt(0).toString(16).padStart(4, '0')}`, bad.index);
  const m = /^CEF:(\d+)\|/.exec(line);
  if (!m) throw new CefSyntaxError('line must start with "CEF:<version>|"', 0);
  const version = Number(m[1]);
  if (version !== 0 && version !== 1) throw new CefSyntaxError(`unsupported CEF version ${version}`, 4);
  let i = m[0].length;
  const header: string[] = [];
  for (let f = 0; f < 6; f++) {
    let v = '';
    for (;;) {
      if (i >= line.length) throw new CefSyntaxError(`header field ${f + 2} not terminated by "|"`, i);
      const ch = line[i]!;
      if (ch === '|') {
        i++;
        break;
      }
      if (ch === '\\') {
        const nx = line[i + 1];
        if (nx !== '\\' && nx !== '|') throw new CefSyntaxError(`invalid header escape "\\${nx ?? ''}"`, i);
        v += nx;
        i += 2;
        continue;
      }
      v += ch;
      i++;
    }
    header.push(v);
  }
  const [vendor, product, deviceVersion, signatureId, name, severity] = header as [string, string, string, string, string, string];
  if (!(/^(?:10|[0-9])$/.test(severity) || SEVERITY_WORDS.has(severity))) throw new CefSyntaxError(`invalid severity "${severity}"`, i - 1);

  const extension: Record<string, string> = {};
  const keys: string[] = [];
  if (i < line.length) {
    if (line[i] === ' ') throw new CefSyntaxError('space after the 7th "|"', i);
    for (;;) {
      const klen = keyAt(line, i);
      if (klen === 0) throw new CefSyntaxError('expected key=', i);
      const key = line.slice(i, i + klen);
      if (Object.prototype.hasOwnProperty.call(extension, key)) throw new CefSyntaxError(`duplicate key "${key}"`, i);
      i += klen + 1;
      let v = '';
      let more = false;
      while (i < line.length) {
        const ch = line[i]!;
        if (ch === '\\') {
          const nx = line[i + 1];
          if (nx === '\\' || nx === '=') v += nx;
          else if (nx === 'n') v += '\n';
          else if (nx === 'r') v += '\r';
          else throw new CefSyntaxError(`invalid extension escape "\\${nx ?? ''}"`, i);
          i += 2;
          continue;
        }
        if (ch === '=') throw new CefSyntaxError(`unescaped "=" in the value of "${key}"`, i);
        if (ch === ' ' && keyAt(line, i + 1) > 0) {
          i++;
          more = true;
          break;
        }
        v += ch;
        i++;
      }
      extension[key] = v;
      keys.push(key);
      if (!more) break;
    }
  }
  return { version, vendor, product, deviceVersion, signatureId, name, severity, extension, keys };
}

export type PrefixFormat = 'arcsight' | '5424' | '3164';

export interface SyslogPrefix {
  format: PrefixFormat;
  /** arcsight/5424: the ISO timestamp; 3164: `Mmm dd hh:mm:ss`. */
  timestamp: string;
  hostname?: string;
  pri?: number;
  appName?: string;
  /** The CEF event, from `CEF:` on. */
  cef: string;
}

const ARCSIGHT = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z) (?:(?!CEF:)([\x21-\x7e]{1,255}) )?(CEF:.*)$/s;
const RFC5424 = /^<(\d{1,3})>1 (\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?:Z|[+-]\d{2}:\d{2})) ([\x21-\x7e]{1,255}) ([\x21-\x7e]{1,48}) ([\x21-\x7e]{1,128}) ([\x21-\x7e]{1,32}) (-|\[.*?\]) (CEF:.*)$/s;
const RFC3164 = /^<(\d{1,3})>((?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ 1-3]\d \d{2}:\d{2}:\d{2}) ([\x21-\x7e]+) ([^\s:[\]]{1,32}): (CEF:.*)$/s;

/** Split a formatted line into its arcsight / RFC 5424 / RFC 3164 prefix and the CEF event; throws if none fits. */
export function stripPrefix(line: string): SyslogPrefix {
  let m = ARCSIGHT.exec(line);
  if (m) return { format: 'arcsight', timestamp: m[1]!, ...(m[2] !== undefined ? { hostname: m[2] } : {}), cef: m[3]! };
  m = RFC5424.exec(line);
  if (m) {
    const pri = Number(m[1]);
    if (pri > 191) throw new CefSyntaxError(`PRI ${pri} out of range`, 1);
    return { format: '5424', pri, timestamp: m[2]!, hostname: m[3]!, appName: m[4]!, cef: m[8]! };
  }
  m = RFC3164.exec(line);
  if (m) {
    const pri = Number(m[1]);
    if (pri > 191) throw new CefSyntaxError(`PRI ${pri} out of range`, 1);
    return { format: '3164', pri, timestamp: m[2]!, hostname: m[3]!, appName: m[4]!, cef: m[5]! };
  }
  throw new CefSyntaxError('no arcsight, RFC 5424 or RFC 3164 prefix before "CEF:"', 0);
}

/** stripPrefix + parseCef. */
export function parseLine(line: string): ParsedCef & { prefix: SyslogPrefix } {
  const prefix = stripPrefix(line);
  return { ...parseCef(prefix.cef), prefix };
}
