// Runs the real liblognorm `lognormalizer` (Debian liblognorm-utils) with rule `%x:cef%` over many CEF lines at once.
//
// Known quirks of bookworm's liblognorm 2.0.6 that this helper works around, so what remains is a
// genuine disagreement (documented in docs/cef.md, measured on this machine):
//  1. Without a space after the 7th `|` it drops the first character of the first extension key
//     (`|3|externalId=` parses as `xternalId`). We insert one space there before handing it over.
//  2. A line whose LAST value is empty (`... cs4=`, the agent's own shape) is rejected as unparsed.
//     We append a sentinel pair ` lnSentinel=1` and remove it from the result.
//  3. It silently drops DEL (0x7f) from values; the formatter never writes raw control characters.
//  4. It rejects escapes other than `\\ \= \n \r` and keys with characters outside [A-Za-z0-9]
//     (strict, like our parser) and treats an empty vendor as a parse failure.
import type { ParsedCef } from './cef-parser.js';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What lognormalizer gives back: the strict parser's fields, without the version and key order it does not report. */
export type LognormCef = Omit<ParsedCef, 'version' | 'keys'>;

export type LognormResult = { ok: true; cef: LognormCef } | { ok: false; raw: string };

const SENTINEL = 'lnSentinel';
let rulebase: string | undefined;

function ruleFile(): string {
  if (rulebase === undefined) {
    const dir = mkdtempSync(join(tmpdir(), 'lognorm-'));
    rulebase = join(dir, 'cef.rb');
    writeFileSync(rulebase, 'rule=:%x:cef%\n');
  }
  return rulebase;
}

/** Offset just after the 7th unescaped `|` of a CEF event, or -1. */
function extensionStart(cef: string): number {
  let bars = 0;
  for (let i = 0; i < cef.length; i++) {
    const c = cef[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === '|' && ++bars === 7) return i + 1;
  }
  return -1;
}

/** The line as handed to lognormalizer after the quirk workarounds (1) and (2). */
export function prepareForLognorm(cef: string): string {
  const at = extensionStart(cef);
  if (at < 0) return cef;
  const ext = cef.slice(at);
  return `${cef.slice(0, at)} ${ext}${ext === '' ? '' : ' '}${SENTINEL}=1`;
}

/** Whether the `lognormalizer` binary is on PATH. */
export function lognormalizerAvailable(): boolean {
  return spawnSync('lognormalizer', ['-V'], { encoding: 'utf8' }).error === undefined;
}

/**
 * Parse CEF events (each from `CEF:` on, without a syslog prefix) with ONE lognormalizer process.
 * Results are in input order; lines that it could not parse come back as `{ok: false}`.
 */
export function lognormalize(cefLines: string[]): LognormResult[] {
  if (cefLines.length === 0) return [];
  for (const l of cefLines) if (/[\r\n]/.test(l)) throw new Error('lognormalize: a CEF event must be one line');
  const input = cefLines.map(prepareForLognorm).join('\n') + '\n';
  const r = spawnSync('lognormalizer', ['-r', ruleFile(), '-e', 'json'], { input, encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`lognormalizer exited ${r.status}: ${r.stderr}`);
  const out = r.stdout.split('\n').filter((l) => l !== '');
  if (out.length !== cefLines.length) throw new Error(`lognormalizer returned ${out.length} results for ${cefLines.length} lines`);
  return out.map((json, idx): LognormResult => {
    const o = JSON.parse(json) as {
      x?: { DeviceVendor: string; DeviceProduct: string; DeviceVersion: string; SignatureID: string; Name: string; Severity: string; Extensions: Record<string, string> };
    };
    if (!o.x) return { ok: false, raw: cefLines[idx]! };
    const extension = { ...o.x.Extensions };
    if (extension[SENTINEL] !== '1') return { ok: false, raw: cefLines[idx]! };
    delete extension[SENTINEL];
    return {
      ok: true,
      cef: {
        vendor: o.x.DeviceVendor,
        product: o.x.DeviceProduct,
        deviceVersion: o.x.DeviceVersion,
        signatureId: o.x.SignatureID,
        name: o.x.Name,
        severity: o.x.Severity,
        extension,
      },
    };
  });
}
