// The CEF stage's core, the same for every source: escaping, byte limits, the syslog or ArcSight
// prefix and the CEF header. A source maps its records onto a CefEvent (src/sources/<api>/cef/);
// the writer built here turns that into one valid line.
import { RelayError } from '../errors.js';
import { escapeHeaderField } from './escape.js';
import { CefEvent } from './extension.js';
import { buildPrefix } from './header/syslog-header.js';
import { headerTime } from './header/time.js';
import { validateCefOptions } from './options.js';
import { mapOwn } from './own.js';
import type { CefOptions, CefWriter, OwnEvent } from './types.js';

export type { CefOptions, CefWriter, OwnEvent, SiemFormat } from './types.js';
export { CefEvent, asText } from './extension.js';
export { DEFAULT_CEF_OPTIONS, RELAY_VERSION, validateCefOptions } from './options.js';
export { DEFAULT_SEVERITY_MAP, UNKNOWN_SEVERITY, severityMapper } from './severity.js';

/** The extension key carrying the tenant's name (label `tenant`): used by no source mapping nor the heartbeat. */
export const TENANT_KEY = 'flexString1';

/**
 * Validate `options` (throws RelayError CONFIG_INVALID naming every bad option) and return a writer
 * whose per-event path does no configuration checks. Every line is one line, valid UTF-8 and valid
 * CEF, whatever the event holds.
 */
export function createCefWriter(options: CefOptions): CefWriter {
  const problems = validateCefOptions(options);
  if (problems.length > 0) throw new RelayError('CONFIG_INVALID', 'config', `CEF options: ${problems.join('; ')}`);

  const prefix = buildPrefix(options);
  const head = (vendor: string, product: string) => `CEF:0|${escapeHeaderField(vendor)}|${escapeHeaderField(product)}|${escapeHeaderField(options.version)}|`;
  const cefHead = head(options.vendor, options.product);
  const max = options.maxMessageBytes;

  // The tenant key goes last on every line; fixed values are never trimmed by the message cap.
  const tenant = options.tenant;
  const line: CefWriter['line'] = (ev, ts, override) => {
    if (tenant !== undefined) {
      ev.fixed(`${TENANT_KEY}Label=`, 'tenant');
      ev.fixed(`${TENANT_KEY}=`, tenant);
    }
    return ev.render(prefix(headerTime(ts)), override ? head(override.vendor ?? options.vendor, override.product ?? options.product) : cefHead, max);
  };

  return {
    options,
    line,
    own(event: OwnEvent): string {
      const ev = new CefEvent();
      return line(ev, mapOwn(event ?? ({} as OwnEvent), ev));
    },
  };
}
