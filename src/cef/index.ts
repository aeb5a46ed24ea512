// The CEF stage: build a formatter once from validated options, then format alerts, activities and own events.
import { RelayError } from '../errors.js';
import type { MdcaActivity, MdcaAlert } from '../mdca/types.js';
import { mapActivity } from './activity.js';
import { mapAlert } from './alert.js';
import { appTokenizer } from './apps.js';
import { escapeHeaderField } from './escape.js';
import { CefEvent } from './extension.js';
import { buildPrefix } from './header/syslog-header.js';
import { headerTime } from './header/time.js';
import { validateCefOptions } from './options.js';
import { mapOwn } from './own.js';
import { severityMapper } from './severity.js';
import type { CefFormatter, CefOptions, OwnEvent } from './types.js';

export type { CefFormatter, CefOptions, OwnEvent, SiemFormat } from './types.js';
export { DEFAULT_CEF_OPTIONS, RELAY_VERSION, validateCefOptions } from './options.js';
export { DEFAULT_SEVERITY_MAP, UNKNOWN_SEVERITY } from './severity.js';
export { KNOWN_APP_NAMES } from './apps.js';

/**
 * Validate `options` (throws RelayError CONFIG_INVALID naming every bad option) and return a
 * formatter whose per-record path does no configuration checks. Each call returns one line with
 * no line break, valid UTF-8 and valid CEF, whatever the record holds.
 */
export function createFormatter(options: CefOptions): CefFormatter {
  const problems = validateCefOptions(options);
  if (problems.length > 0) throw new RelayError('CONFIG_INVALID', 'config', `CEF options: ${problems.join('; ')}`);

  const prefix = buildPrefix(options);
  const cefHead = `CEF:0|${escapeHeaderField(options.vendor)}|${escapeHeaderField(options.product)}|${escapeHeaderField(options.version)}|`;
  const max = options.maxMessageBytes;
  const alertMapping = { appToken: appTokenizer(options.appNames), severity: severityMapper(options.severityMap) };
  const activityMapping = { appToken: alertMapping.appToken, portalUrl: (options.portalUrl ?? '').replace(/\/+$/, '') };

  const finish = (ev: CefEvent, ts: number): string => ev.render(prefix(headerTime(ts)), cefHead, max);

  return {
    alert(alert: MdcaAlert): string {
      const ev = new CefEvent();
      return finish(ev, mapAlert(alert ?? ({} as MdcaAlert), alertMapping, ev));
    },
    activity(activity: MdcaActivity): string {
      const ev = new CefEvent();
      return finish(ev, mapActivity(activity ?? ({} as MdcaActivity), activityMapping, ev));
    },
    own(event: OwnEvent): string {
      const ev = new CefEvent();
      return finish(ev, mapOwn(event ?? ({} as OwnEvent), ev));
    },
  };
}
